// An independent tus 1.0 client for bits' tests (SPEC U5): tus-js-client uploads FILE to the creation URL ENDPOINT with a
// bearer TOKEN, in 1 MiB PATCHes. Usage: node tus-upload.mjs FILE ENDPOINT TOKEN [STOP_AFTER_BYTES] [UPLOAD_URL]
// With STOP_AFTER_BYTES it aborts once that many bytes were sent and prints "stopped UPLOAD_URL" (exit 0); with UPLOAD_URL
// it resumes that upload (a HEAD, then PATCHes from the server's offset). It prints "done UPLOAD_URL" when whole.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import * as tus from 'tus-js-client'

const [file, endpoint, token, stopAfter, uploadUrl] = process.argv.slice(2)
const data = readFileSync(file)
const upload = new tus.Upload(data, {
  endpoint,
  uploadUrl: uploadUrl || null,
  chunkSize: 1 << 20,
  retryDelays: [0, 500, 1000],
  metadata: { filename: basename(file) },
  headers: { Authorization: `Bearer ${token}` },
  onProgress (sent) {
    if (stopAfter && sent >= Number(stopAfter)) {
      upload.abort().then(() => { console.log(`stopped ${upload.url}`); process.exit(0) })
    }
  },
  onSuccess () { console.log(`done ${upload.url}`); process.exit(0) },
  onError (e) { console.error(`failed: ${e}`); process.exit(1) }
})
upload.start()
