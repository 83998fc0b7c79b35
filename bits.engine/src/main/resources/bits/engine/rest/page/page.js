/*
 * The bits page: the caller's jobs with live progress, a job's details and files, the handlers, and the actions.
 * Everything comes from the management API (data-api of #bits) with the caller's bearer token, which the page asks
 * for or takes from the address's fragment (#token=...; a fragment is never sent to a server) and keeps in the tab's
 * sessionStorage. Live changes come from the API's event stream, read with fetch() because EventSource cannot send
 * an Authorization header; it reconnects with Last-Event-ID, so no durable notification is missed.
 */
(function () {
	'use strict';

	const root = document.getElementById('bits');
	if (!root) {
		return;
	}
	const api = (root.dataset.api || 'api/v1').replace(/\/+$/, '');
	const TOKEN_KEY = 'bits.token';
	const FINAL = new Set(['ACKNOWLEDGED', 'CANCELLED']);
	const ACTIONS = ['resume', 'suspend', 'cancel', 'complete'];
	const NOTIFICATIONS_KEPT = 50;

	let token = null;
	let admin = false;
	let showAll = false;
	let stream = null; // the AbortController of the running event stream
	let lastEventId = null; // of the last durable notification seen, sent back on reconnection
	let selected = null; // the id of the job whose details are shown
	const jobs = new Map(); // id -> the job as the API shows it

	/** An element with properties (class, text, data-*, on*) and children. Text is always text: nothing is parsed as HTML. */
	function el(tag, props, ...children) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(props || {})) {
			if (v === undefined || v === null || v === false) {
				continue;
			}
			if (k === 'text') {
				e.textContent = v;
			} else if (k.startsWith('on')) {
				e.addEventListener(k.slice(2), v);
			} else if (k === 'class') {
				e.className = v;
			} else {
				e.setAttribute(k, v === true ? '' : v);
			}
		}
		for (const c of children.flat(Infinity)) {
			if (c !== null && c !== undefined) {
				e.append(c instanceof Node ? c : String(c));
			}
		}
		return e;
	}

	const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

	function formatBytes(n) {
		if (n === undefined || n === null || n < 0) {
			return '?';
		}
		const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
		let i = 0;
		let v = n;
		while (v >= 1024 && i < units.length - 1) {
			v /= 1024;
			i++;
		}
		return (i === 0 ? String(v) : v.toFixed(1)) + ' ' + units[i];
	}

	// ---- the page's parts, built once ----

	const live = el('span', { class: 'live', id: 'bits-live', 'data-state': 'off', text: 'not connected' });
	const version = el('span', { class: 'muted', id: 'bits-version' });
	const allOwners = el('input', { type: 'checkbox', id: 'bits-all' });
	const allOwnersLabel = el('label', { hidden: true }, allOwners, ' all owners');
	const signOutButton = el('button', { type: 'button', id: 'bits-sign-out', text: 'Sign out' });
	const refreshButton = el('button', { type: 'button', id: 'bits-refresh', text: 'Refresh' });
	const header = el('div', { class: 'bar' }, el('h1', { text: 'bits' }), version, el('span', { class: 'grow' }), live, allOwnersLabel,
		refreshButton, signOutButton);

	const message = el('div', { class: 'message', id: 'bits-message', role: 'alert' });

	const tokenInput = el('input', { type: 'password', id: 'bits-token', name: 'token', autocomplete: 'off', required: true });
	const loginError = el('div', { class: 'message error', id: 'bits-login-error', role: 'alert' });
	const login = el('form', { class: 'login', id: 'bits-login', hidden: true },
		el('p', { text: 'The page calls the engine\'s management API with a token from the store\'s api-tokens file '
			+ '(or one that bits:apitoken OWNER printed). It is kept in this tab only.' }),
		el('label', { for: 'bits-token', text: 'API token' }), tokenInput, loginError,
		el('button', { type: 'submit', text: 'Open' }));

	const jobRows = el('tbody');
	const jobsEmpty = el('p', { class: 'muted', id: 'bits-no-jobs', text: 'No jobs.', hidden: true });
	const jobsTable = el('table', { class: 'jobs', id: 'bits-jobs' },
		el('thead', null, el('tr', null, ['Name', 'Owner', 'State', 'Progress', 'Files', 'Priority'].map((h) => el('th', { text: h })))),
		jobRows);

	const details = el('section', { class: 'details', id: 'bits-details', hidden: true });

	const handlerRows = el('tbody');
	const handlersEmpty = el('p', { class: 'muted', id: 'bits-no-handlers', text: 'No handlers.', hidden: true });
	const handlersTable = el('table', { id: 'bits-handlers' },
		el('thead', null, el('tr', null, ['Handler', 'State', 'Bundle', 'Version', 'Source'].map((h) => el('th', { text: h })))),
		handlerRows);

	const notifications = el('ol', { class: 'notifications', id: 'bits-notifications', reversed: true });
	const notificationsEmpty = el('p', { class: 'muted', text: 'None since the page was opened.' });

	const main = el('div', { id: 'bits-main', hidden: true }, message, el('h2', { text: 'Jobs' }), jobsTable, jobsEmpty, details,
		el('h2', { text: 'Handlers' }), handlersTable, handlersEmpty, el('h2', { text: 'Notifications' }), notificationsEmpty,
		notifications);

	root.replaceChildren(header, login, main);

	// ---- the API ----

	class ApiError extends Error {
		constructor(status, body) {
			super(body && body.description
				? body.description + ' (' + [body.code, body.context].filter(Boolean).join(', ') + ')'
				: 'HTTP ' + status);
			this.status = status;
			this.body = body;
		}
	}

	async function call(method, path, body) {
		const headers = { Authorization: 'Bearer ' + token, Accept: 'application/json' };
		const init = { method, headers, cache: 'no-store' };
		if (body !== undefined) {
			headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
		const response = await fetch(api + path, init);
		const text = await response.text();
		let json = null;
		try {
			json = text ? JSON.parse(text) : null;
		} catch (e) {
			json = null;
		}
		if (!response.ok) {
			const error = new ApiError(response.status, json);
			if (response.status === 401) {
				signOut('The token was refused: ' + error.message);
			}
			throw error;
		}
		return json;
	}

	function show(text, kind) {
		message.className = 'message ' + (kind || 'error');
		message.textContent = text || '';
	}

	// ---- the token ----

	function tokenFromFragment() {
		const params = new URLSearchParams(location.hash.replace(/^#/, ''));
		const t = params.get('token');
		if (t !== null) {
			// out of the address bar and the history, which others may see
			params.delete('token');
			const rest = params.toString();
			history.replaceState(null, '', location.pathname + location.search + (rest ? '#' + rest : ''));
		}
		return t;
	}

	function signOut(why) {
		if (stream) {
			stream.abort();
			stream = null;
		}
		token = null;
		lastEventId = null; // another token may be another owner
		sessionStorage.removeItem(TOKEN_KEY);
		jobs.clear();
		jobRows.replaceChildren();
		notifications.replaceChildren();
		notificationsEmpty.hidden = false;
		showAll = false;
		allOwners.checked = false;
		selected = null;
		details.hidden = true;
		main.hidden = true;
		allOwnersLabel.hidden = true;
		signOutButton.hidden = true;
		refreshButton.hidden = true;
		setLive('off', 'not connected');
		version.textContent = '';
		login.hidden = false;
		loginError.textContent = why || '';
		tokenInput.value = '';
		tokenInput.focus();
	}

	login.addEventListener('submit', (event) => {
		event.preventDefault();
		const t = tokenInput.value.trim();
		if (t) {
			open(t);
		}
	});
	signOutButton.addEventListener('click', () => signOut(''));
	refreshButton.addEventListener('click', () => refresh().catch((e) => show(e.message)));
	allOwners.addEventListener('change', () => {
		showAll = allOwners.checked;
		connect(); // the stream of what the table shows (every owner's jobs: ?all=true); it loads the table
	});

	async function open(t) {
		token = t;
		loginError.textContent = '';
		let engine;
		try {
			engine = await call('GET', '/engine');
		} catch (e) {
			if (e.status !== 401) {
				signOut('The engine did not answer: ' + e.message);
			}
			return;
		}
		sessionStorage.setItem(TOKEN_KEY, t);
		admin = engine.storeDirectory !== null && engine.storeDirectory !== undefined; // the store is shown to the admin only
		version.textContent = 'engine ' + engine.version + (admin ? ' · admin · ' + engine.storeDirectory : '');
		allOwnersLabel.hidden = !admin;
		login.hidden = true;
		main.hidden = false;
		signOutButton.hidden = false;
		refreshButton.hidden = false;
		show('');
		connect(); // loads the jobs once the stream is there, so that no change falls between the two
		loadHandlers().catch((e) => show(e.message));
	}

	async function refresh() {
		await Promise.all([loadJobs(), loadHandlers()]);
		if (selected && !FINAL.has((jobs.get(selected) || {}).state)) {
			await loadDetails(selected);
		}
	}

	// ---- jobs ----

	async function loadJobs() {
		const list = await call('GET', '/jobs' + (showAll ? '?all=true' : ''));
		const ids = new Set(list.map((j) => j.id));
		for (const id of [...jobs.keys()]) {
			if (!ids.has(id)) {
				jobs.delete(id);
			}
		}
		list.forEach((j) => jobs.set(j.id, j));
		renderJobs();
		if (selected && !jobs.has(selected)) {
			select(null);
		}
	}

	function renderJobs() {
		const rows = [...jobs.values()].sort((a, b) => a.created.localeCompare(b.created));
		jobRows.replaceChildren(...rows.map(jobRow));
		jobsEmpty.hidden = rows.length > 0;
	}

	function progress(j) {
		const p = el('progress', { max: j.bytesTotal > 0 ? j.bytesTotal : null, value: j.bytesTotal > 0 ? j.bytesTransferred : null });
		if (j.bytesTotal === 0) { // nothing to transfer, or all of nothing
			p.max = 1;
			p.value = j.state === 'TRANSFERRED' || j.state === 'ACKNOWLEDGED' ? 1 : 0;
		}
		const pct = j.bytesTotal > 0 ? ' (' + Math.floor(100 * j.bytesTransferred / j.bytesTotal) + '%)' : '';
		return [p, el('span', { class: 'bytes', text: formatBytes(j.bytesTransferred) + ' / ' + formatBytes(j.bytesTotal) + pct })];
	}

	function jobRow(j) {
		return el('tr', { 'data-job': j.id, 'data-state': j.state, class: j.id === selected ? 'selected' : null, onclick: () => select(j.id) },
			el('td', { class: 'name', text: j.displayName }),
			el('td', { class: 'owner', text: j.owner }),
			el('td', { class: 'state state-' + j.state, text: j.state }),
			el('td', { class: 'progress', 'data-bytes': j.bytesTransferred, 'data-total': j.bytesTotal }, progress(j)),
			el('td', { class: 'num', text: j.filesTransferred + ' / ' + j.filesTotal }),
			el('td', { class: 'priority', text: j.priority }));
	}

	/** A job as the stream or an action reported it: the stream follows the jobs the table shows, new ones too. */
	function update(j) {
		const before = jobs.get(j.id);
		jobs.set(j.id, j);
		const row = jobRows.querySelector('tr[data-job="' + CSS.escape(j.id) + '"]');
		if (row) {
			row.replaceWith(jobRow(j));
		} else {
			renderJobs();
		}
		if (j.id === selected) {
			renderDetails(j, null);
			// a new state or a file done: the files now; mere progress: at most once a second. A completed or
			// cancelled job is gone from the API: its files stay as last seen.
			if (!FINAL.has(j.state)) {
				filesSoon(!before || before.state !== j.state || before.filesTransferred !== j.filesTransferred);
			}
		}
	}

	// ---- one job's details ----

	const FIELDS = [
		['id', 'Id'], ['displayName', 'Name'], ['description', 'Description'], ['owner', 'Owner'], ['type', 'Type'],
		['state', 'State'], ['priority', 'Priority'], ['bytesTransferred', 'Bytes transferred'], ['bytesTotal', 'Bytes in all'],
		['filesTransferred', 'Files transferred'], ['filesTotal', 'Files'], ['created', 'Created'], ['modified', 'Modified'],
		['transferred', 'Transferred'], ['handlerId', 'Handler'], ['notifyFlags', 'Notify flags'], ['liveCallback', 'Live callback'],
		['minimumRetryDelaySeconds', 'Minimum retry delay (s)'], ['noProgressTimeoutSeconds', 'No-progress timeout (s)'],
		['minimumNotificationIntervalMillis', 'Minimum notification interval (ms)'], ['redirectPolicy', 'Redirects'],
		['maxDownloadSize', 'Largest download (bytes)'], ['customHeaderNames', 'Custom headers'],
		['serverCredentials', 'Server credentials'], ['proxyCredentials', 'Proxy credentials']];

	let files = null; // the selected job's files, as last loaded
	let filesTimer = null;
	let filesLoaded = 0;
	let filesAsked = 0; // numbers the requests for files: only the latest one's answer is shown

	async function select(id) {
		selected = id;
		files = null;
		jobRows.querySelectorAll('tr').forEach((r) => r.classList.toggle('selected', r.dataset.job === id));
		if (!id) {
			details.hidden = true;
			return;
		}
		if (FINAL.has((jobs.get(id) || {}).state)) { // completed or cancelled: gone from the API, shown as last seen
			renderDetails(jobs.get(id), null);
			return;
		}
		await loadDetails(id).catch((e) => show(e.message));
	}

	async function loadDetails(id) {
		const [j, f] = await Promise.all([call('GET', '/jobs/' + encodeURIComponent(id)),
			call('GET', '/jobs/' + encodeURIComponent(id) + '/files')]);
		filesLoaded = Date.now();
		if (selected === id) {
			files = f;
			if (jobs.has(id)) {
				jobs.set(id, j);
			}
			renderDetails(j, f);
		}
	}

	/** The files again, at most once a second while the job changes (unless {@code now}). */
	function filesSoon(now) {
		if (filesTimer !== null) {
			if (!now) {
				return;
			}
			clearTimeout(filesTimer);
		}
		const id = selected;
		filesTimer = setTimeout(() => {
			filesTimer = null;
			if (selected !== id || FINAL.has((jobs.get(id) || {}).state)) {
				return;
			}
			const asked = ++filesAsked;
			call('GET', '/jobs/' + encodeURIComponent(id) + '/files').then((f) => {
				filesLoaded = Date.now();
				if (selected === id && asked === filesAsked) { // not overtaken by a later answer
					files = f;
					renderDetails(jobs.get(id), f);
				}
			}).catch((e) => {
				if (e.status !== 404) { // 404: the job ended meanwhile
					show(e.message);
				}
			});
		}, now ? 0 : Math.max(0, 1000 - (Date.now() - filesLoaded)));
	}

	function value(v) {
		if (v === null || v === undefined || v === '') {
			return '—';
		}
		if (Array.isArray(v)) {
			return v.length ? v.join(', ') : '—';
		}
		return typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
	}

	function errorBlock(title, e, id) {
		if (!e) {
			return null;
		}
		return el('div', { id }, el('h3', { text: title }), el('dl', null,
			el('dt', { text: 'Code' }), el('dd', { class: 'code', text: e.code }),
			el('dt', { text: 'Context' }), el('dd', { text: e.context }),
			el('dt', { text: 'Description' }), el('dd', { class: 'description', text: e.description }),
			e.file === null || e.file === undefined ? null : [el('dt', { text: 'File' }), el('dd', { text: e.file })]));
	}

	function renderDetails(j, f) {
		if (!j) {
			return;
		}
		f = f || files;
		const final = FINAL.has(j.state);
		const actions = el('div', { class: 'actions' }, ACTIONS.map((a) => el('button', {
			type: 'button', 'data-action': a, disabled: final, text: a[0].toUpperCase() + a.slice(1),
			onclick: (event) => act(j.id, a, event.currentTarget)
		})));
		const fields = el('dl', { id: 'bits-fields' }, FIELDS.map(([k, label]) => [el('dt', { text: label }),
			el('dd', { 'data-field': k, text: value(j[k]) })]));
		const fileTable = f === null || f === undefined
			? el('p', { class: 'muted', text: final ? 'The job has ended: its files are no longer listed.' : 'Loading…' })
			: f.length === 0 ? el('p', { class: 'muted', text: 'No files.' })
				: el('table', { id: 'bits-files' },
					el('thead', null, el('tr', null, ['#', 'Remote', 'Local', 'Progress', 'Done', 'Validation'].map((h) => el('th', { text: h })))),
					el('tbody', null, f.map((file) => el('tr', { 'data-file': file.index },
						el('td', { class: 'num', text: file.index }),
						el('td', { class: 'remote', text: file.remoteUri }),
						el('td', { class: 'local', text: file.localPath }),
						el('td', null, progress({ bytesTransferred: file.bytesTransferred, bytesTotal: file.bytesTotal,
							state: file.completed ? 'TRANSFERRED' : '' })),
						el('td', { class: 'done', text: file.completed ? 'yes' : 'no' }),
						el('td', { text: file.validation })))));
		details.replaceChildren(...[
			el('h2', { text: j.displayName }),
			actions,
			errorBlock('Error', j.error, 'bits-error'),
			errorBlock('Notification error', j.notificationError, 'bits-notification-error'),
			el('h3', { text: 'Properties' }), fields,
			el('h3', { text: 'Files' }), fileTable].filter(Boolean));
		details.dataset.job = j.id;
		details.hidden = false;
	}

	async function act(id, action, button) {
		button.disabled = true;
		try {
			const j = await call('POST', '/jobs/' + encodeURIComponent(id) + '/' + action);
			show(action + ': ' + j.displayName + ' is ' + j.state, 'info');
			update(j);
		} catch (e) {
			show(action + ' failed: ' + e.message);
			button.disabled = false;
		}
	}

	// ---- handlers ----

	async function loadHandlers() {
		const list = await call('GET', '/handlers');
		handlerRows.replaceChildren(...list.map((h) => el('tr', { 'data-handler': h.id },
			el('td', { text: h.id }), el('td', { text: h.state }), el('td', { text: value(h.bundle) }),
			el('td', { text: value(h.version) }), el('td', { text: value(h.source) }))));
		handlersEmpty.hidden = list.length > 0;
		handlersTable.hidden = list.length === 0;
	}

	// ---- the event stream ----

	function setLive(state, text) {
		live.dataset.state = state;
		live.textContent = text;
	}

	function notified(n) {
		notificationsEmpty.hidden = true;
		const job = jobs.get(n.job);
		const what = n.kind + (n.kind === 'FILE_TRANSFERRED' ? ' (file ' + n.file + ')' : '');
		notifications.prepend(el('li', { 'data-notification': n.id, 'data-kind': n.kind },
			el('span', { class: 'muted', text: n.time + ' ' }), what + ': ' + (job ? job.displayName : n.job)));
		while (notifications.children.length > NOTIFICATIONS_KEPT) {
			notifications.lastElementChild.remove();
		}
		if (n.job === selected) {
			filesSoon();
		}
	}

	function dispatch(type, data) {
		try {
			if (type === 'job') {
				update(JSON.parse(data));
			} else if (type === 'notification') {
				notified(JSON.parse(data));
			}
		} catch (e) {
			console.warn('bits: an event the page does not understand', type, data, e);
		}
	}

	/**
	 * Reads text/event-stream (the HTML standard's format): "field: value" lines, a blank line ends an event; lines
	 * starting with ':' are comments (keep-alives). The id of an event is remembered for the reconnection.
	 */
	async function readEvents(reader, controller) {
		const decoder = new TextDecoder('utf-8');
		let buffer = '';
		let type = '';
		let data = [];
		let id = null;
		const line = (l) => {
			if (l === '') {
				if (id !== null) {
					lastEventId = id;
				}
				if (data.length && stream === controller) { // not an old stream's last events
					dispatch(type || 'message', data.join('\n'));
				}
				type = '';
				data = [];
				id = null;
				return;
			}
			if (l.startsWith(':')) {
				return;
			}
			const colon = l.indexOf(':');
			const field = colon < 0 ? l : l.slice(0, colon);
			let v = colon < 0 ? '' : l.slice(colon + 1);
			if (v.startsWith(' ')) {
				v = v.slice(1);
			}
			if (field === 'event') {
				type = v;
			} else if (field === 'data') {
				data.push(v);
			} else if (field === 'id' && !v.includes('\0')) {
				id = v;
			}
		};
		for (;;) {
			const { value: chunk, done } = await reader.read();
			buffer += done ? decoder.decode() : decoder.decode(chunk, { stream: true });
			let m;
			while ((m = /\r\n|\r|\n/.exec(buffer)) !== null) {
				if (!done && m[0] === '\r' && m.index === buffer.length - 1) {
					break; // perhaps the first half of \r\n
				}
				line(buffer.slice(0, m.index));
				buffer = buffer.slice(m.index + m[0].length);
			}
			if (done) {
				return;
			}
		}
	}

	/** Keeps the stream open while signed in: on an end or an error, reconnects after a pause that grows to 15 s. */
	async function connect() {
		if (stream) {
			stream.abort();
		}
		const controller = new AbortController();
		stream = controller;
		let pause = 1000;
		let down = false;
		while (stream === controller) {
			setLive('connecting', 'connecting…');
			try {
				const headers = { Authorization: 'Bearer ' + token, Accept: 'text/event-stream' };
				if (lastEventId !== null) {
					headers['Last-Event-ID'] = lastEventId;
				}
				const response = await fetch(api + '/events' + (showAll ? '?all=true' : ''), { headers, cache: 'no-store', signal: controller.signal });
				if (response.status === 401) {
					signOut('The token was refused by the event stream.');
					return;
				}
				if (!response.ok || !response.body) {
					throw new Error('the event stream answered HTTP ' + response.status);
				}
				setLive('live', 'live');
				pause = 1000;
				down = false;
				// the stream starts with every job in view; the list also drops those that went meanwhile
				loadJobs().catch((e) => show(e.message));
				if (selected) {
					loadDetails(selected).catch((e) => show(e.message));
				}
				await readEvents(response.body.getReader(), controller);
			} catch (e) {
				if (controller.signal.aborted) {
					return;
				}
				console.warn('bits: event stream', e);
			}
			if (stream !== controller) {
				return;
			}
			if (!down) { // the table as it is now, once per outage (Refresh loads it again)
				down = true;
				loadJobs().catch((e) => show(e.message));
			}
			setLive('off', 'reconnecting…');
			await sleep(pause);
			pause = Math.min(pause * 2, 15000);
		}
	}

	// ---- start ----

	const given = tokenFromFragment() || sessionStorage.getItem(TOKEN_KEY);
	if (given) {
		open(given);
	} else {
		signOut('');
	}
})();
