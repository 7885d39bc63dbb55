/*
 * app.js - clanpopd's dashboard.
 *
 * Reads data/index.json, data/cards.json, data/clans/TAG.json,
 * data/trends/TAG.json and data/trends/family.json relative to the page,
 * and nothing else.  Views by URL hash: #/ (the clans), #/clan/TAG (one
 * clan), #/cards (all clans' cards).  Each shows both measures: the
 * members' favourite cards and the cards of their current decks.  The
 * files are read again every minute; the view stays.
 *
 * Everything that comes from the files (clan and card names, errors) is
 * put into the page as text, never as markup: el() below only ever makes
 * text nodes of strings.  No inline script or style, so the page runs
 * under a Content-Security-Policy of default-src 'self'.
 */
'use strict';

(function () {

const REFRESH_MS = 60000;
const TAG_RE = /^[0289PYLQGRJCUV]{3,14}$/;
const POOL = 6;		/* requests in flight while reading snapshots */
const TOP_CARDS = 10;	/* the family's top cards of each measure */
/* Clans per page of the overview: each row reads its clan's snapshot, so
   a page of 1,000 clans would be 1,000 requests every minute. */
const PAGE = 100;

/* The output directory's layout, as src/layout.h names it, under data/. */
const LAYOUT = {
	index: 'data/index.json',
	cards: 'data/cards.json',
	clan: (tag) => 'data/clans/' + tag + '.json',
	trends: (tag) => 'data/trends/' + tag + '.json',
	family: 'data/trends/family.json'
};

/* The two measures, by the keys of the files that hold them, and the ids
   of what shows them (the tests look for these). */
const FAV = {
	list: 'favourite_cards', trend: 'cards', without: 'without_favourite',
	title: 'Favourite cards',
	ids: {clan: 'clan-cards', bar: 'bar-chart', trend: 'trend-chart',
	    trendTable: 'trend-table', family: 'family', top: 'top-cards',
	    familyTrend: 'family-trend-chart',
	    familyTrendTable: 'family-trend-table'}
};
const DECK = {
	list: 'deck_cards', trend: 'deck_cards', without: 'without_deck',
	title: 'Cards in decks',
	ids: {clan: 'clan-decks', bar: 'deck-bar-chart',
	    trend: 'deck-trend-chart', trendTable: 'deck-trend-table',
	    family: 'family-decks', top: 'top-decks',
	    familyTrend: 'family-deck-trend-chart',
	    familyTrendTable: 'family-deck-trend-table'}
};

/* Why a file is needed, said when it cannot be read. */
const ADVICE = {
	index: 'clanpopd writes it when it starts: check that the daemon ' +
	    'runs and that the web server serves its output directory at ' +
	    'data/ next to this page.',
	cards: 'clanpopd writes it with index.json; a clanpopd without the ' +
	    'family view does not.',
	clan: 'index.json lists a snapshot the server does not have; it is ' +
	    'written again at the clan\'s next refresh.',
	trends: 'clanpopd writes it after each refresh of the clan while ' +
	    'its history database is on (output.database).',
	family: 'clanpopd writes it with cards.json while its history ' +
	    'database is on (output.database): without one it keeps no ' +
	    'history, so there are no trends of all clans to show.'
};

/* What a file written before decks were counted lacks. */
function noDecks(file) {
	return msg(file + ' has no deck cards (deck_cards): it was written ' +
	    'by a clanpopd that counts only favourite cards. A clanpopd that ' +
	    'counts decks writes them at its next refresh.', 'note');
}

const state = {
	seq: 0,		/* the latest show(); older ones give up */
	shown: null,	/* the hash whose view is on screen */
	readAt: null,	/* when that view's files were read */
	charts: []
};

class LoadError extends Error {
	constructor(file, status, text) {
		super(text);
		this.file = file;
		this.status = status;
	}
}

/* An element with fixed attributes from this code and children that are
   nodes or strings; strings become text nodes, never markup. */
function el(tag, attrs, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v !== null && v !== undefined)
			e.setAttribute(k, v);
	}
	for (const k of kids.flat()) {
		if (k === null || k === undefined)
			continue;
		e.append(k instanceof Node ? k : document.createTextNode(String(k)));
	}
	return e;
}

function msg(text, cls) {
	return el('p', {class: cls ? 'msg ' + cls : 'msg', role: 'alert'}, text);
}

/* A file under data/ as JSON, or a LoadError whose text says what is
   wrong and what to do. */
async function getJSON(file, kind) {
	let r, text;

	try {
		r = await fetch(file, {cache: 'no-cache'});
		text = await r.text();
	} catch (e) {
		throw new LoadError(file, 0, file + ' could not be fetched: ' +
		    'the web server did not answer. Check that it runs; the ' +
		    'page tries again in a minute.');
	}
	if (r.status === 404)
		throw new LoadError(file, 404, file + ' is not on the server ' +
		    '(HTTP 404). ' + ADVICE[kind]);
	if (!r.ok)
		throw new LoadError(file, r.status, file + ' could not be ' +
		    'read: HTTP ' + r.status + '. Check that the web server ' +
		    'may read clanpopd\'s output directory.');
	try {
		return JSON.parse(text);
	} catch (e) {
		throw new LoadError(file, r.status, file + ' is not valid ' +
		    'JSON, so it was not written by clanpopd (or was cut ' +
		    'short on the way). The page tries again in a minute.');
	}
}

function shapeError(file, what) {
	return new LoadError(file, 200, file + ' does not look like ' +
	    'clanpopd\'s ' + what + '; check that data/ is clanpopd\'s ' +
	    'output directory.');
}

async function getIndex() {
	const idx = await getJSON(LAYOUT.index, 'index');
	if (idx === null || !Array.isArray(idx.clans))
		throw shapeError(LAYOUT.index, 'index.json (no clans list)');
	return idx;
}

async function getCards() {
	const c = await getJSON(LAYOUT.cards, 'cards');
	if (c === null || !Array.isArray(c.favourite_cards))
		throw shapeError(LAYOUT.cards,
		    'cards.json (no favourite_cards list)');
	return c;
}

/* "#9V2Y" -> "9V2Y", the name of its files. */
function bare(tag) {
	return String(tag).replace(/^#/, '');
}

/* Runs fn over items with at most POOL in flight; results in order, each
   {ok, value} or {ok: false, error}. */
async function pooled(items, fn) {
	const out = new Array(items.length);
	let next = 0;

	async function worker() {
		while (next < items.length) {
			const i = next++;
			try {
				out[i] = {ok: true, value: await fn(items[i])};
			} catch (e) {
				out[i] = {ok: false, error: e};
			}
		}
	}
	const n = Math.min(POOL, items.length);
	await Promise.all(Array.from({length: n}, worker));
	return out;
}

/* --- Time ------------------------------------------------------------ */

function utc(iso) {
	return iso ? iso.replace('T', ' ').replace('Z', ' UTC') : '';
}

function ago(ms) {
	const s = Math.max(0, Math.round(ms / 1000));
	if (s < 90)
		return s + ' s';
	if (s < 90 * 60)
		return Math.round(s / 60) + ' min';
	if (s < 48 * 3600)
		return Math.round(s / 3600) + ' h';
	return Math.round(s / 86400) + ' d';
}

/* The stale mark: failed refreshes since the last success, or a last
   success older than two of the clan's intervals. */
function freshness(c, now) {
	const n = c.consecutive_failures || 0;
	if (n > 0)
		return {cls: 'stale', text: 'stale: ' + n + ' failed refresh' +
		    (n === 1 ? '' : 'es') + ' in a row'};
	if (!c.last_success)
		return {cls: 'none', text: 'no snapshot yet'};
	const age = now - Date.parse(c.last_success);
	if (c.interval_s > 0 && age > 2 * c.interval_s * 1000)
		return {cls: 'stale', text: 'stale: no success for ' + ago(age)};
	return {cls: 'fresh', text: 'fresh'};
}

function refreshes(n) {
	return n + (n === 1 ? ' refresh' : ' refreshes');
}

function percent(part, whole) {
	return whole > 0 ? (100 * part / whole).toFixed(1) + ' %' : '—';
}

/* --- Tables ---------------------------------------------------------- */

/* cols: [{h: header, num: bool}]; rows: arrays of cells (text or node). */
function table(caption, cols, rows, id) {
	const head = el('tr', null, cols.map((c) => el('th',
	    {scope: 'col', class: c.num ? 'num' : null}, c.h)));
	const body = rows.map((r) => el('tr', null, r.map((v, i) => el('td',
	    {class: cols[i].cls || (cols[i].num ? 'num' : null)}, v))));
	return el('div', {class: 'scroll'}, el('table', {id: id},
	    el('caption', null, caption), el('thead', null, head),
	    el('tbody', null, body)));
}

function cardsTable(cards, total, id) {
	return table('The family\'s favourite cards: players and share of ' +
	    'the ' + total + ' players with a favourite card', [
		{h: '#', num: true}, {h: 'Card', cls: 'name'},
		{h: 'Players', num: true}, {h: 'Share', num: true},
		{h: 'Clans', num: true}
	], cards.map((c, i) => [String(i + 1), c.name || '(no name)',
	    String(c.players), percent(c.players, total), String(c.clans)]),
	    id);
}

/* cards.json has no count of the players with a deck, so no share. */
function decksTable(cards, id) {
	return table('The family\'s cards in decks: players whose current ' +
	    'deck holds the card', [
		{h: '#', num: true}, {h: 'Card', cls: 'name'},
		{h: 'Players', num: true}, {h: 'Clans', num: true}
	], cards.map((c, i) => [String(i + 1), c.name || '(no name)',
	    String(c.players), String(c.clans)]), id);
}

/* The family's two tables of cards.json, side by side on a wide screen;
   n: only the first n of each. */
function familyTables(cards, n) {
	const fav = n ? cards.favourite_cards.slice(0, n) :
	    cards.favourite_cards;
	const decks = Array.isArray(cards.deck_cards) ? (n ?
	    cards.deck_cards.slice(0, n) : cards.deck_cards) : null;
	return el('div', {class: 'duo'},
	    el('section', null, el('h3', null, FAV.title), fav.length ?
	    cardsTable(fav, cards.players, n ? FAV.ids.top : FAV.ids.family) :
	    msg('No clan has a snapshot with a favourite card yet.', 'note')),
	    el('section', null, el('h3', null, DECK.title), decks === null ?
	    noDecks(LAYOUT.cards) : decks.length ? decksTable(decks, n ?
	    DECK.ids.top : DECK.ids.family) : msg('No clan has a snapshot ' +
	    'with a deck yet.', 'note')));
}

/* --- Charts ---------------------------------------------------------- */

function chartsMissing() {
	return msg('The charts need Chart.js at javascript/chart.js/' +
	    'chart.min.js, which did not load: install Debian\'s ' +
	    'libjs-chart.js and serve /usr/share/javascript/ at javascript/ ' +
	    '(see the README). The tables show the same figures.', 'note');
}

function themeCharts() {
	const css = getComputedStyle(document.documentElement);
	Chart.defaults.color = css.getPropertyValue('--fg').trim();
	Chart.defaults.borderColor = css.getPropertyValue('--line').trim();
	Chart.defaults.animation = false;
	Chart.defaults.maintainAspectRatio = false;
}

function colour(i) {
	return 'hsl(' + Math.round(i * 137.5 % 360) + ', 65%, 50%)';
}

/* A chart box: the canvas and what draws on it once it is in the page. */
function chartBox(id, cls, label, draw) {
	const canvas = el('canvas', {id: id, role: 'img', 'aria-label': label});
	const box = el('div', {class: 'chart ' + cls}, canvas);
	return {node: box, draw: () => {
		if (typeof Chart === 'undefined') {
			box.replaceWith(chartsMissing());
			return;
		}
		state.charts.push(new Chart(canvas, draw(box)));
	}};
}

function barChart(cards, m) {
	return chartBox(m.ids.bar, 'bar', 'Bar chart of the table: ' +
	    'players per card (' + m.title.toLowerCase() + ')', (box) => {
		box.style.height = (cards.length * 22 + 40) + 'px';
		return {type: 'bar', data: {
			labels: cards.map((c) => c.name || '(no name)'),
			datasets: [{label: 'Players', data: cards.map((c) => c.count),
			    backgroundColor: getComputedStyle(document.
			    documentElement).getPropertyValue('--bar').trim()}]
		}, options: {indexAxis: 'y', plugins: {legend: {display: false}},
		    scales: {x: {beginAtZero: true, ticks: {precision: 0}},
		    y: {ticks: {autoSkip: false}}}}};
	});
}

/* Time ticks as precise as the points' range needs, in UTC. */
function tickFormat(series) {
	const ts = series.flatMap((c) => c.points.map((p) => Date.parse(p[0])));
	const span = ts.length ? Math.max(...ts) - Math.min(...ts) : 0;
	const [a, b] = span < 2 * 3600e3 ? [11, 19] : span < 2 * 86400e3 ?
	    [5, 16] : [5, 10];
	return (v) => new Date(v).toISOString().slice(a, b).replace('T', ' ');
}

/*
 * A trend line's card: its name, or for a card the API named not, as the
 * tables say, with its id so that two such lines differ.
 */
function lineName(c) {
	return c.name || '(no name, id ' + c.id + ')';
}

/* One line per series of a trend file (tr[key]), on the canvas id. */
function trendChart(tr, key, id) {
	const series = tr[key];
	return chartBox(id, 'trend', 'Line chart: players per card at each ' +
	    'refresh from ' + utc(tr.from) + ' to ' + utc(tr.to),
	    () => ({type: 'line', data: {datasets: series.map((c, i) => ({
		label: lineName(c),
		data: c.points.map((p) => ({x: Date.parse(p[0]), y: p[1]})),
		borderColor: colour(i), backgroundColor: colour(i),
		pointRadius: c.points.length > 60 ? 0 : 2, borderWidth: 2,
		tension: 0
	    }))}, options: {parsing: true, normalized: true,
		interaction: {mode: 'nearest', intersect: false},
		plugins: {tooltip: {callbacks: {title: (items) => items.length ?
		    utc(new Date(items[0].parsed.x).toISOString()
		    .replace(/\.\d+Z$/, 'Z')) : ''}}},
		scales: {x: {type: 'linear', ticks: {maxTicksLimit: 8,
		    callback: tickFormat(series)}}, y: {beginAtZero: true,
		    ticks: {precision: 0}}}}}));
}

/* --- Views ----------------------------------------------------------- */

function clanName(c) {
	return c.name || c.label || c.tag;
}

function clanLink(c) {
	const a = el('a', {href: '#/clan/' + encodeURIComponent(bare(c.tag))},
	    clanName(c));
	if (c.label && c.name && c.label !== c.name)
		return [a, ' (' + c.label + ')'];
	return a;
}

/* "Clans 101-200 of 1000" with links to the pages before and after. */
function pager(p, pages, n) {
	const link = (to, text, rel) => to >= 1 && to <= pages ?
	    el('a', {href: '#/page/' + to, rel: rel}, text) : null;
	return el('nav', {class: 'pager', 'aria-label': 'Pages of clans'},
	    link(p - 1, '\u2190 Previous', 'prev'), el('span', null, 'Clans ' +
	    ((p - 1) * PAGE + 1) + '\u2013' + Math.min(n, p * PAGE) + ' of ' +
	    n + ', page ' + p + ' of ' + pages), link(p + 1, 'Next \u2192',
	    'next'));
}

async function overview(page) {
	const [idx, cards] = await Promise.all([getIndex(),
	    getCards().catch((e) => e)]);
	const now = Date.now();
	const pages = Math.max(1, Math.ceil(idx.clans.length / PAGE));
	const p = Math.min(Math.max(1, page), pages);
	const shown = idx.clans.slice((p - 1) * PAGE, p * PAGE);
	const snaps = await pooled(shown, (c) => c.snapshot ?
	    getJSON(LAYOUT.clan(bare(c.tag)), 'clan') : null);
	const bad = snaps.filter((s) => !s.ok);
	const rows = shown.map((c, i) => {
		const s = snaps[i].ok ? snaps[i].value : null;
		const pl = s && s.players ? s.players : {};
		const f = freshness(c, now);
		const num = (v) => (s && typeof v === 'number' ? String(v) : '—');
		return [clanLink(c), c.tag, num(s && s.members), num(pl.fetched),
		    num(pl.reused), num(pl.failed), c.complete === true ? 'yes' :
		    c.complete === false ? 'no' : '—',
		    c.last_success ? el('time', {datetime: c.last_success,
		    title: utc(c.last_success)}, ago(now -
		    Date.parse(c.last_success)) + ' ago') : 'never',
		    el('span', {class: 'badge ' + f.cls}, f.text),
		    c.last_error || ''];
	});
	const nstale = idx.clans.filter((c) => freshness(c, now).cls ===
	    'stale').length;
	const parts = [
		el('h1', {tabindex: '-1'}, 'Clans'),
		el('p', {class: 'sub'}, idx.clans.length + ' clans, ' + nstale +
		    ' stale; index.json written ' + utc(idx.generated_at) +
		    (idx.version ? ' by clanpopd ' + idx.version : '') + '.'),
		idx.clans.length === 0 ? msg('index.json lists no clans: add ' +
		    'clan tags to clanpopd\'s configuration and reload it.',
		    'note') : table('One row per configured clan, in the ' +
		    'configuration\'s order. Members are read, unchanged ' +
		    '(counted from the profile last read: not online since) ' +
		    'or failed.', [
			{h: 'Clan', cls: 'name'}, {h: 'Tag'},
			{h: 'Members', num: true}, {h: 'Read', num: true},
			{h: 'Unchanged', num: true},
			{h: 'Failed', num: true}, {h: 'Complete'},
			{h: 'Last snapshot'}, {h: 'State'},
			{h: 'Last error', cls: 'err'}
		], rows, 'clans')
	];
	if (pages > 1)
		parts.splice(2, 0, pager(p, pages, idx.clans.length));
	if (bad.length > 0)
		parts.push(msg(bad.length + ' of the clans\' snapshots could ' +
		    'not be read; their figures show as —. The first: ' +
		    bad[0].error.message));
	parts.push(el('h2', null, 'The family\'s top cards'));
	if (cards instanceof Error) {
		parts.push(msg(cards.message, 'note'));
	} else {
		parts.push(familyTables(cards, TOP_CARDS),
		    el('p', null, el('a', {href: '#/cards'}, 'All ' +
		    cards.favourite_cards.length + ' favourite cards' +
		    (Array.isArray(cards.deck_cards) ? ' and ' +
		    cards.deck_cards.length + ' cards in decks' : '') +
		    ' of the ' + cards.clans + ' clans, with their trends')));
	}
	return {title: 'Clans', nodes: parts, draw: []};
}

/* A number from a file, or null when the file has none (written by an
   older clanpopd). */
function count(v) {
	return typeof v === 'number' ? v : null;
}

function snapSummary(s) {
	const p = s.players || {};
	const reused = count(p.reused), nodeck = count(p.without_deck);
	return [
		el('p', {class: 'sub', id: 'snap-time'}, 'Snapshot of ' +
		    utc(s.fetched_at) + ' (' + ago(Date.now() -
		    Date.parse(s.fetched_at)) + ' ago), read in ' +
		    s.duration_ms + ' ms.'),
		el('p', {class: 'sub', id: 'snap-counts'}, s.members +
		    ' members: ' + p.fetched + ' read, ' + (reused === null ?
		    '' : reused + ' unchanged since their last read, ') +
		    p.failed + ' could not be read; ' + p.without_favourite +
		    ' without a favourite card' + (nodeck === null ? '' :
		    ', ' + nodeck + ' without a deck') + '.'),
		s.complete ? el('p', {class: 'sub', id: 'snap-complete'},
		    reused ? 'Complete: every member was read or is ' +
		    'unchanged since its last read.' :
		    'Complete: every member was read.') :
		    el('p', {class: 'msg note', id: 'snap-complete'},
		    'Incomplete: ' + p.failed + ' of ' + s.members +
		    ' members could not be read, so the counts leave them out.')
	];
}

/* One measure's lines of a trend file (a clan's or the family's): the
   chart and, folded, a table of each line's first and last point. */
function trendLines(tr, m, file, ids, none) {
	const series = tr[m.trend];
	if (!Array.isArray(series))
		return {nodes: [noDecks(file)], draw: []};
	if (series.length === 0)
		return {nodes: [msg(none, 'note')], draw: []};
	const ch = trendChart(tr, m.trend, ids.chart);
	const rows = series.map((c) => {
		const pts = c.points;
		return [lineName(c), String(pts.length),
		    pts.length ? String(pts[0][1]) : '—',
		    pts.length ? String(pts[pts.length - 1][1]) : '—'];
	});
	return {nodes: [ch.node, el('details', null, el('summary', null,
	    'The trend lines as a table'), table('Players per card: first ' +
	    'and last point of each line', [{h: 'Card', cls: 'name'},
	    {h: 'Points', num: true}, {h: 'First', num: true},
	    {h: 'Last', num: true}], rows, ids.table))], draw: [ch.draw]};
}

/* A trend file as the page shows it: the line that says what it covers,
   then each measure's lines under its heading.  family: the family's
   file, not a clan's. */
async function trendsPart(file, kind, family) {
	let tr;
	try {
		tr = await getJSON(file, kind);
	} catch (e) {
		return {nodes: [msg((family && e.status === 404 ? 'No trends ' +
		    'of all clans: ' : '') + e.message, 'note')], draw: []};
	}
	if (tr === null || !Array.isArray(tr.cards))
		return {nodes: [msg(shapeError(file, 'trend file (no cards ' +
		    'list)').message, 'note')], draw: []};
	const parts = [family ? el('p', {class: 'sub', id:
	    'family-trend-range'}, refreshes(tr.refreshes) + ' of the ' +
	    tr.clans + ' clans from ' + utc(tr.from) + ' to ' + utc(tr.to) +
	    '; a card\'s players are summed over the clans.') : el('p',
	    {class: 'sub', id: 'trend-range'}, refreshes(tr.refreshes) +
	    ' from ' + utc(tr.from) + ' to ' + utc(tr.to) + '.')];
	const draw = [];
	for (const m of [FAV, DECK]) {
		const t = trendLines(tr, m, file, family ?
		    {chart: m.ids.familyTrend, table: m.ids.familyTrendTable} :
		    {chart: m.ids.trend, table: m.ids.trendTable},
		    'No trends yet: ' + (family ? 'the clans have' :
		    'the clan has') + ' no ' + m.title.toLowerCase() + ' in ' +
		    (family ? 'their' : 'its') + ' history.');
		parts.push(el('h3', null, m.title), ...t.nodes);
		draw.push(...t.draw);
	}
	return {nodes: parts, draw: draw};
}

/* One measure of a snapshot (file): its table and bar chart, side by
   side on a wide screen.  Shares are of the members counted who have one
   (a favourite card, a deck). */
function clanMeasure(snap, m, file) {
	const p = snap.players || {};
	const cards = snap[m.list];
	if (!Array.isArray(cards))
		return {nodes: [m === FAV ? msg(shapeError(file, 'snapshot (no ' +
		    'favourite_cards list)').message, 'note') : noDecks(file)],
		    draw: []};
	if (cards.length === 0)
		return {nodes: [msg(m === FAV ? 'No member has a favourite card ' +
		    'in this snapshot.' : 'No member has a deck in this ' +
		    'snapshot.', 'note')], draw: []};
	const total = p.fetched + (count(p.reused) || 0) - p[m.without];
	const bar = barChart(cards, m);
	const tbl = table(m === FAV ? 'Favourite cards of the ' + total +
	    ' members with one (the bar chart shows the same)' : 'Cards in ' +
	    'the current decks of the ' + total + ' members with one; a ' +
	    'deck holds up to 8 cards, so the shares add up to 800 % or ' +
	    'less (the bar chart shows the same)', [{h: 'Card', cls: 'name'},
	    {h: 'Players', num: true}, {h: 'Share', num: true}],
	    cards.map((k) => [k.name || '(no name)', String(k.count),
	    percent(k.count, total)]), m.ids.clan);
	return {nodes: [el('div', {class: 'pair'}, tbl, bar.node)],
	    draw: [bar.draw]};
}

async function clanView(raw) {
	let shown = raw;
	try {
		shown = decodeURIComponent(raw);
	} catch (e) { /* shown as it came */ }
	const tag = shown.trim().replace(/^#/, '').toUpperCase()
	    .replace(/O/g, '0');
	const back = el('p', null, el('a', {href: '#/'}, 'Back to the clans'));
	if (!TAG_RE.test(tag))
		return {title: 'Not a clan tag', nodes: [el('h1',
		    {tabindex: '-1'}, 'Not a clan tag'), msg('"' + shown +
		    '" is not a clan tag: a tag is 3 to 14 of the characters ' +
		    '0289PYLQGRJCUV.'), back], draw: []};
	const idx = await getIndex();
	const c = idx.clans.find((x) => bare(x.tag) === tag);
	if (!c)
		return {title: '#' + tag, nodes: [el('h1', {tabindex: '-1'},
		    '#' + tag), msg('#' + tag + ' is not in index.json: it is ' +
		    'not one of clanpopd\'s configured clans. Add it to the ' +
		    'configuration and reload clanpopd.'), back], draw: []};
	const head = [el('h1', {tabindex: '-1'}, clanName(c)),
	    el('p', {class: 'sub'}, c.tag + (c.label ? ', "' + c.label +
	    '" in the configuration' : '') + '. ',
	    el('span', {class: 'badge ' + freshness(c, Date.now()).cls},
	    freshness(c, Date.now()).text))];
	if (c.last_error)
		head.push(el('p', {class: 'msg note', id: 'last-error'},
		    'Last error: ' + c.last_error));
	if (!c.snapshot)
		return {title: clanName(c), nodes: head.concat(msg('No snapshot ' +
		    'of ' + c.tag + ' yet: clanpopd writes one after the ' +
		    'clan\'s first successful refresh.', 'note'), back),
		    draw: []};
	const [snap, trends] = await Promise.all([getJSON(LAYOUT.clan(tag),
	    'clan').catch((e) => e), trendsPart(LAYOUT.trends(tag), 'trends',
	    false)]);
	if (snap instanceof Error)
		return {title: clanName(c), nodes: head.concat(msg(snap.message),
		    back), draw: []};
	const fav = clanMeasure(snap, FAV, LAYOUT.clan(tag));
	const deck = clanMeasure(snap, DECK, LAYOUT.clan(tag));
	return {title: clanName(c), nodes: head.concat(snapSummary(snap),
	    el('h2', null, FAV.title), fav.nodes, el('h2', null, DECK.title),
	    deck.nodes, el('h2', null, 'Trends'), trends.nodes, back),
	    draw: fav.draw.concat(deck.draw, trends.draw)};
}

async function cardsView() {
	const [cards, trends] = await Promise.all([getCards(),
	    trendsPart(LAYOUT.family, 'family', true)]);
	return {title: 'All clans\' cards', nodes: [
		el('h1', {tabindex: '-1'}, 'All clans\' cards'),
		el('p', {class: 'sub', id: 'family-sum'}, cards.clans +
		    ' clans, ' + cards.players + ' players with a favourite ' +
		    'card; cards.json written ' + utc(cards.generated_at) + '.'),
		familyTables(cards, 0),
		el('h2', null, 'Trends of all clans'), trends.nodes
	], draw: trends.draw};
}

/* --- Router ---------------------------------------------------------- */

function route(hash) {
	const h = hash.replace(/^#/, '') || '/';
	let m;
	if (h === '/')
		return {nav: 'nav-overview', run: () => overview(1)};
	if ((m = /^\/page\/([0-9]{1,6})$/.exec(h)) !== null)
		return {nav: 'nav-overview', run: () => overview(+m[1])};
	if (h === '/cards')
		return {nav: 'nav-cards', run: cardsView};
	if ((m = /^\/clan\/([^/]*)$/.exec(h)) !== null)
		return {nav: null, run: () => clanView(m[1])};
	return {nav: null, run: async () => ({title: 'No such view', nodes: [
		el('h1', {tabindex: '-1'}, 'No such view'),
		msg('There is no view "' + hash + '". The views are #/ (the ' +
		    'clans, and #/page/N for more than ' + PAGE + '), #/clan/TAG ' +
		    '(one clan) and #/cards (all cards).'),
		el('p', null, el('a', {href: '#/'}, 'Go to the clans'))
	], draw: []})};
}

function setStatus(text, problem) {
	const s = document.getElementById('status');
	s.textContent = text;
	s.classList.toggle('problem', !!problem);
}

function clock(d) {
	return d.toISOString().slice(11, 19) + ' UTC';
}

/* Shows the view the hash names.  On a periodic re-read (again) a file
   that cannot be read keeps what is on screen and says so above it. */
async function show(again) {
	const hash = location.hash || '#/';
	const seq = ++state.seq;
	const main = document.getElementById('view');
	const r = route(hash);
	let v, failed = false;

	main.setAttribute('aria-busy', 'true');
	try {
		v = await r.run();
	} catch (e) {
		if (seq !== state.seq)
			return;
		if (again && state.shown === hash) {
			setStatus('Could not read the files again at ' +
			    clock(new Date()) + ': ' + e.message + ' Showing ' +
			    'what was read at ' + clock(state.readAt) + '.', true);
			main.setAttribute('aria-busy', 'false');
			document.documentElement.dataset.loaded = String(seq);
			return;
		}
		failed = true;
		v = {title: 'Cannot show this view', nodes: [el('h1',
		    {tabindex: '-1'}, 'Cannot show this view'), msg(e instanceof
		    LoadError ? e.message : 'The files do not look like ' +
		    'clanpopd\'s (' + e.message + '): check that data/ is ' +
		    'clanpopd\'s output directory, or read them again (r).')],
		    draw: []};
	}
	if (seq !== state.seq)
		return;
	const y = window.scrollY;
	for (const c of state.charts)
		c.destroy();
	state.charts = [];
	if (typeof Chart !== 'undefined')
		themeCharts();
	main.replaceChildren(...v.nodes.flat());
	for (const d of v.draw)
		d();
	document.title = v.title + ' - clanpopd';
	for (const id of ['nav-overview', 'nav-cards']) {
		const a = document.getElementById(id);
		if (id === r.nav)
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	}
	if (failed) {
		setStatus('Could not read the files at ' + clock(new Date()) +
		    '; the page tries again every minute.', true);
	} else {
		state.readAt = new Date();
		setStatus('Files read at ' + clock(state.readAt) + '; read ' +
		    'again every minute.', false);
	}
	if (again && state.shown === hash) {
		window.scrollTo(0, y);
	} else {
		const h1 = main.querySelector('h1');
		if (h1 && state.shown !== null)
			h1.focus();
	}
	state.shown = hash;
	main.setAttribute('aria-busy', 'false');
	main.dataset.view = hash;
	document.documentElement.dataset.loaded = String(seq);
	/* For bench/b8_page.py: when the view was complete. */
	performance.mark('clanpopd-view');
}

/* o, c and r as in the footer; not while typing or with a modifier. */
function key(e) {
	if (e.ctrlKey || e.metaKey || e.altKey || e.target.isContentEditable ||
	    /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName))
		return;
	if (e.key === 'o')
		location.hash = '#/';
	else if (e.key === 'c')
		location.hash = '#/cards';
	else if (e.key === 'r')
		show(true);
}

window.addEventListener('hashchange', () => show(false));
document.addEventListener('keydown', key);
setInterval(() => show(true), REFRESH_MS);
show(false);

})();
