// An independent tus 1.0 server for bits' tests (SPEC U5): @tus/server with @tus/file-store, on 127.0.0.1 at a port the
// system chooses. Usage: node tus-server.mjs DIRECTORY; prints "listening PORT", then serves /files/ until killed.
import { Server } from '@tus/server'
import { FileStore } from '@tus/file-store'

const directory = process.argv[2]
const server = new Server({ path: '/files', datastore: new FileStore({ directory }) })
const http = server.listen({ host: '127.0.0.1', port: 0 }, () => console.log(`listening ${http.address().port}`))
