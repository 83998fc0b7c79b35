// Drives the engine's page (/bits/) in Debian's headless Chromium with playwright-core; run by PageTest.java, which
// starts the engine, creates the jobs and checks the downloaded file afterwards.
// Environment: BITS_PAGE (the page's URL), BITS_TOKEN (the admin token), BITS_JOB (a suspended job with one file on a
// slow server), BITS_TOTAL (its size), BITS_EMPTY (a job without files), CHROMIUM (the browser), BITS_SHOTS (a
// directory for screenshots, optional). Prints one line per step; exits 1 with the reason at the first failure.
import { chromium } from 'playwright-core';

const env = (name) => {
	const v = process.env[name];
	if (!v) {
		throw new Error('page-test: ' + name + ' is not set');
	}
	return v;
};
const page = env('BITS_PAGE');
const token = env('BITS_TOKEN');
const job = env('BITS_JOB');
const total = Number(env('BITS_TOTAL'));
const empty = env('BITS_EMPTY');
const shots = process.env.BITS_SHOTS;
const STEP = 60_000; // the longest wait for one step

const step = (what) => console.log('page-test: ' + what);

function check(condition, what) {
	if (!condition) {
		throw new Error(what);
	}
}

// the flags this machine's Chromium needs (no sandbox as root, no GPU, nothing that calls out to the network);
// Playwright gives it a new, empty profile directory of its own
const browser = await chromium.launch({
	executablePath: env('CHROMIUM'),
	headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync'],
});
let tab;
try {
	const context = await browser.newContext();
	tab = await context.newPage();
	tab.setDefaultTimeout(STEP);
	const consoleErrors = [];
	// the browser's own line for each refused request (the test provokes a 401 and a 409) is not the page's error
	tab.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && consoleErrors.push(m.text()));
	tab.on('pageerror', (e) => consoleErrors.push(String(e)));
	const row = (id) => tab.locator(`#bits-jobs tr[data-job="${id}"]`);
	const action = (name) => tab.locator(`#bits-details button[data-action="${name}"]`);

	// the token from the fragment: used, then taken out of the address
	await tab.goto(page + '#token=' + encodeURIComponent(token));
	await tab.locator('#bits-main').waitFor({ state: 'visible' });
	check(await tab.evaluate(() => location.hash) === '', 'the token stays in the address: ' + tab.url());
	await tab.locator('#bits-live[data-state="live"]').waitFor();
	step('signed in with the token from the fragment, which left the address; the event stream is live');

	// a refused token: the form says so; the right one typed in opens the page again
	await tab.locator('#bits-sign-out').click();
	await tab.locator('#bits-login').waitFor({ state: 'visible' });
	await tab.locator('#bits-token').fill('not-a-token');
	await tab.locator('#bits-login button[type="submit"]').click();
	await tab.locator('#bits-login-error', { hasText: 'unknown token' }).waitFor();
	check(await tab.locator('#bits-main').isHidden(), 'the jobs are shown with a refused token');
	await tab.locator('#bits-token').fill(token);
	await tab.locator('#bits-login button[type="submit"]').click();
	await tab.locator('#bits-live[data-state="live"]').waitFor();
	step('a wrong token is refused with the API\'s reason; the right one typed in the form opens the page');

	// the jobs table; the admin may show every owner's jobs
	await row(job).waitFor();
	await tab.locator('#bits-all').check();
	await row(job).waitFor();
	check((await row(job).locator('td.state').textContent()) === 'SUSPENDED', 'the new job is not SUSPENDED');
	await tab.locator('#bits-handlers:visible, #bits-no-handlers:visible').first().waitFor();
	step('the jobs table shows the suspended job (all owners), and the handlers');

	// an action the engine refuses: its error, with the BITS code and the request, is shown
	await row(empty).click();
	await tab.locator(`#bits-details[data-job="${empty}"]`).waitFor();
	await action('resume').click();
	const refused = tab.locator('#bits-message.error');
	await refused.waitFor();
	const text = await refused.textContent();
	check(/resume failed: .*\(0x[0-9A-Fa-f]{8}, POST \/jobs\/[0-9a-f-]+\/resume\)/.test(text), 'the refusal reads: ' + text);
	step('resuming a job without files shows the API\'s error: ' + text);

	// the job's details and files
	await row(job).click();
	await tab.locator(`#bits-details[data-job="${job}"]`).waitFor();
	await tab.locator('#bits-files td.remote', { hasText: '/slow/' }).waitFor();
	check((await tab.locator('#bits-fields dd[data-field="id"]').textContent()) === job, 'the details show another job');
	step('the details show the job\'s properties and its file');

	// resumed from the page, the progress moves live: two different sizes between 0 and the total, from the stream
	// (the page never polls)
	await action('resume').click();
	await tab.waitForFunction(({ id, total }) => {
		const cell = document.querySelector(`#bits-jobs tr[data-job="${id}"] td.progress`);
		const bytes = cell ? Number(cell.dataset.bytes) : 0;
		window.bitsSeen = window.bitsSeen || new Set();
		if (bytes > 0 && bytes < total) {
			window.bitsSeen.add(bytes);
		}
		return window.bitsSeen.size >= 2;
	}, { id: job, total }, { polling: 20, timeout: STEP });
	const seen = await tab.evaluate(() => [...window.bitsSeen].sort((a, b) => a - b));
	if (shots) {
		await tab.screenshot({ path: shots + '/transferring.png', fullPage: true });
	}
	step('progress seen moving: ' + seen.join(', ') + ' of ' + total + ' bytes');

	// suspended from the page mid-transfer, then resumed: it goes on from where it was
	await action('suspend').click();
	await row(job).locator('td.state', { hasText: /^SUSPENDED$/ }).waitFor();
	const kept = Number(await row(job).locator('td.progress').getAttribute('data-bytes'));
	check(kept > 0 && kept < total, 'suspended with ' + kept + ' of ' + total + ' bytes');
	await action('resume').click();
	await row(job).locator('td.state', { hasText: /^(CONNECTING|TRANSFERRING|TRANSFERRED)$/ }).waitFor();
	step('suspended from the page at ' + kept + ' bytes, and resumed');

	await row(job).locator('td.state', { hasText: /^TRANSFERRED$/ }).waitFor();
	check(Number(await row(job).locator('td.progress').getAttribute('data-bytes')) === total, 'TRANSFERRED without all the bytes');
	step('the job is shown TRANSFERRED with all its bytes');

	await action('complete').click();
	await row(job).locator('td.state', { hasText: /^ACKNOWLEDGED$/ }).waitFor();
	await tab.locator('#bits-message.info', { hasText: 'is ACKNOWLEDGED' }).waitFor();
	check(await action('resume').isDisabled(), 'the actions are still offered for a completed job');
	await tab.locator('#bits-files tr[data-file="0"] td.done', { hasText: 'yes' }).waitFor();
	await tab.locator('#bits-notifications li[data-kind="JOB_TRANSFERRED"]').waitFor();
	if (shots) {
		await tab.screenshot({ path: shots + '/completed.png', fullPage: true });
	}
	step('completed from the page: ACKNOWLEDGED, no more actions, the file done, the JOB_TRANSFERRED notification listed');

	// cancelled from the page: the job ends, shown as last seen, with no more actions
	await row(empty).click();
	await tab.locator(`#bits-details[data-job="${empty}"]`).waitFor();
	await action('cancel').click();
	await row(empty).locator('td.state', { hasText: /^CANCELLED$/ }).waitFor();
	check(await action('cancel').isDisabled(), 'the actions are still offered for a cancelled job');
	step('cancelled from the page: CANCELLED, no more actions');
	check(consoleErrors.length === 0, 'the page logged errors: ' + consoleErrors.join('; '));
} catch (e) {
	console.error('page-test: FAILED: ' + (e && e.message ? e.message : e));
	if (tab) {
		try {
			console.error('page-test: the page then: ' + (await tab.locator('#bits').innerText()).replace(/\s+/g, ' ').slice(0, 4000));
			if (shots) {
				await tab.screenshot({ path: shots + '/failed.png', fullPage: true });
			}
		} catch (ignored) {
			// the page is gone too
		}
	}
	process.exitCode = 1;
} finally {
	await browser.close();
}
