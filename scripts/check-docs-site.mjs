#!/usr/bin/env node
// Checks the built API site (docs/api, from `npm run docs`) the way a reader
// uses it: served over HTTP on 127.0.0.1 and opened in headless Chromium.
//
//   - the landing page, a guide, openDatabase, Database, a repository, an
//     entity, an enum, an error page and the Meta webhook pages (guide,
//     module, ingest function, normalizePhoneNumber, data deletion) load
//     without console errors;
//   - the schema diagram (an SVG rendered at build time) is visible;
//   - typing "PostgreSQL", "cursor", "recordInbound", "ingestWhatsAppWebhook",
//     "wa_id" and "erasure" into the search box gives results;
//   - every internal link of every page (static HTML and the sidebar that
//     JavaScript builds) points at a page that exists, and at an anchor that
//     exists on it.
//
// Screenshots go to artifacts/docs-site/ (gitignored; CI keeps them).
// Exits 1 with the list of problems. Run: `npm run docs:check`.
// Options: --site <dir> (default docs/api), --chromium <path> (or CHROMIUM_PATH).
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const SITE = resolve(option('--site', join(ROOT, 'docs', 'api')));
const CHROMIUM = option('--chromium', process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
const SHOTS = join(ROOT, 'artifacts', 'docs-site');

/** The pages a reader opens first; each must exist and load cleanly. */
const PAGES = [
  ['landing page', 'index.html'],
  ['guide', 'documents/Getting_started_in_a_service.html'],
  ['schema', 'documents/Schema.html'],
  ['openDatabase', 'functions/_migochat_db.openDatabase.html'],
  ['Database', 'classes/_migochat_db.Database.html'],
  ['repository', 'classes/_migochat_db.MessageRepository.html'],
  ['entity', 'classes/_migochat_db.User.html'],
  ['enum', 'enums/_migochat_db.LeadStage.html'],
  ['error', 'classes/_migochat_db.NotFoundError.html'],
  ['webhooks guide', 'documents/Recording_webhook_traffic_idempotently.html'],
  ['data deletion guide', 'documents/Data_deletion.html'],
  ['meta module', 'modules/_migochat_db_meta.html'],
  ['meta ingest', 'functions/_migochat_db_meta.ingestWhatsAppWebhook.html'],
  ['phone numbers', 'functions/_migochat_db.normalizePhoneNumber.html'],
];
const SEARCHES = ['PostgreSQL', 'cursor', 'recordInbound', 'ingestWhatsAppWebhook', 'wa_id', 'erasure'];

const problems = [];
const problem = (text) => problems.push(text);

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png', '.md': 'text/markdown; charset=utf-8', '.ts': 'text/plain; charset=utf-8' };

/** A static server for the site, on a free loopback port. */
function serve(root) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

function htmlFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return htmlFiles(full);
    return entry.name.endsWith('.html') ? [full] : [];
  });
}

/** The ids a page defines (anchors a link may point at). */
const anchorCache = new Map();
function anchorsOf(file) {
  if (!anchorCache.has(file)) {
    const html = readFileSync(file, 'utf8');
    anchorCache.set(file, new Set([...html.matchAll(/\s(?:id|name)="([^"]+)"/g)].map((m) => m[1])));
  }
  return anchorCache.get(file);
}

/**
 * Checks one link found on `fromFile` (a site-relative page). External links
 * (http(s) elsewhere, mailto) are not followed: the check runs offline.
 */
function checkLink(fromFile, href, origin, where) {
  if (!href || href.startsWith('mailto:') || href.startsWith('javascript:')) return;
  let url;
  try {
    url = new URL(href, `${origin}/${fromFile}`);
  } catch {
    problem(`${where}: unparsable link ${href}`);
    return;
  }
  if (url.origin !== origin) return;
  const target = join(SITE, decodeURIComponent(url.pathname));
  const file = existsSync(target) && statSync(target).isDirectory() ? join(target, 'index.html') : target;
  if (!existsSync(file)) {
    problem(`${where}: broken link ${href} (no ${relative(SITE, file)})`);
    return;
  }
  const hash = decodeURIComponent(url.hash.slice(1));
  if (hash && file.endsWith('.html') && !anchorsOf(file).has(hash)) problem(`${where}: link ${href} points at a missing anchor #${hash}`);
}

async function main() {
  if (!existsSync(join(SITE, 'index.html'))) {
    console.error(`no site at ${SITE}: run npm run docs first`);
    process.exit(1);
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or --chromium <path>)`);
    process.exit(1);
  }
  mkdirSync(SHOTS, { recursive: true });
  const server = await serve(SITE);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium refuses to run as root with its sandbox (CI containers run as root).
    args: [...(isRoot ? ['--no-sandbox'] : []), '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1366, height: 900 });
    let current = '';
    page.on('console', (msg) => {
      if (msg.type() === 'error') problem(`${current}: console error: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problem(`${current}: uncaught error: ${error.message}`));
    page.on('requestfailed', (request) => problem(`${current}: request failed: ${request.url()} (${request.failure()?.errorText})`));
    page.on('response', (response) => {
      if (response.status() >= 400) problem(`${current}: ${response.status()} for ${response.url()}`);
    });
    // Offline: the site must not need the network.
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url().startsWith(origin) || request.url().startsWith('data:')) request.continue();
      else {
        problem(`${current}: requests ${request.url()} (the site must work offline)`);
        request.abort();
      }
    });

    for (const [label, path] of PAGES) {
      current = `${label} (${path})`;
      if (!existsSync(join(SITE, path))) {
        problem(`${current}: page missing`);
        continue;
      }
      await page.goto(`${origin}/${path}`, { waitUntil: 'networkidle0' });
      // The sidebar is built by JavaScript: check its links as a reader sees them.
      await page.waitForSelector('.site-menu nav a, #tsd-nav-container a', { timeout: 5000 }).catch(() => problem(`${current}: no sidebar navigation`));
      const links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
      for (const href of links) checkLink(path, href, origin, current);
      await page.screenshot({ path: join(SHOTS, `${label.replace(/\W+/g, '-')}.png`) });
    }

    // The schema diagram: an <img> of the build-time SVG, loaded and laid out.
    current = 'schema diagram';
    await page.goto(`${origin}/documents/Schema.html`, { waitUntil: 'networkidle0' });
    const diagram = await page
      .$eval('#schema-diagram', (img) => ({ loaded: img.complete, natural: img.naturalWidth, ...img.getBoundingClientRect().toJSON() }))
      .catch(() => null);
    if (!diagram) problem('schema diagram: no #schema-diagram image on documents/Schema.html');
    else if (!diagram.loaded || diagram.natural === 0 || diagram.width === 0 || diagram.height === 0) {
      problem(`schema diagram: not visible (loaded ${diagram.loaded}, natural width ${diagram.natural}, shown ${diagram.width}x${diagram.height})`);
    } else {
      await page.$eval('#schema-diagram', (img) => img.scrollIntoView());
      await page.screenshot({ path: join(SHOTS, 'schema-diagram.png') });
    }

    // Search, typed as a reader types it.
    for (const term of SEARCHES) {
      current = `search "${term}"`;
      await page.goto(`${origin}/index.html`, { waitUntil: 'networkidle0' });
      await page.click('#tsd-search-trigger');
      await page.waitForSelector('#tsd-search-input', { visible: true, timeout: 5000 });
      await page.type('#tsd-search-input', term, { delay: 20 });
      const count = await page
        .waitForFunction(() => document.querySelectorAll('#tsd-search-results li a').length, { timeout: 10000 })
        .then((handle) => handle.jsonValue())
        .catch(() => 0);
      if (!count) problem(`${current}: no results`);
      await page.screenshot({ path: join(SHOTS, `search-${term}.png`) });
    }

    // Every page's static links (the sidebar's were checked above, and are the same on every page).
    const files = htmlFiles(SITE);
    for (const file of files) {
      const path = relative(SITE, file).split(sep).join('/');
      const html = readFileSync(file, 'utf8');
      for (const [, href] of html.matchAll(/<a\s[^>]*?href="([^"]*)"/g)) checkLink(path, href.replaceAll('&amp;', '&'), origin, path);
      for (const [, src] of html.matchAll(/<(?:img|script)\s[^>]*?src="([^"]*)"/g)) checkLink(path, src, origin, path);
    }
    // The README (the npm page) links into the published site: those pages must exist in this build.
    const homepage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).homepage.replace(/\/?$/, '/');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [url] of readme.matchAll(new RegExp(`${homepage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^)\\s>]*`, 'g'))) {
      checkLink('index.html', url.replace(homepage, `${origin}/`), origin, 'README.md');
    }
    console.log(`checked ${PAGES.length} pages in Chromium, ${SEARCHES.length} searches and the links of ${files.length} pages; screenshots in ${relative(ROOT, SHOTS)}/`);
  } finally {
    await browser.close();
    server.close();
  }
  if (problems.length) {
    console.error(`\nthe docs site has ${problems.length} problem(s):`);
    for (const p of [...new Set(problems)]) console.error(`  - ${p}`);
    process.exit(1);
  }
  console.log('docs site OK');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
