// What the browser tests share: Debian's chromium driven by playwright-core
// (no browser download), the throwaway stack that tests/browser/run
// started, the enrolment codes it issued, an authenticator app's codes
// (RFC 6238), and axe-core's WCAG 2.1 AA check.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the browser tests through tests/browser/run`);
  }
  return value;
}

export const webUrl = required('KETENREGIE_WEB_URL');

// "organisation\tuser\tcode" lines, as `ketenregie demo-accounts --tsv`
// prints them.
const codes = new Map(
  required('KETENREGIE_ENROLMENT_CODES')
    .trim()
    .split('\n')
    .map((line) => line.split('\t'))
    .map(([organisation, user, code]) => [`${organisation}/${user}`, code]),
);

// How far the stack's clock is ahead of the real time, in seconds.
function serverClockOffset() {
  try {
    return Number(readFileSync(required('KETENREGIE_TEST_CLOCK_FILE'), 'utf8').trim()) || 0;
  } catch {
    return 0; // no file yet: the services run on the real time
  }
}

// Moves the clock of every service of the stack on by `seconds` (the
// stack's shared test clock: an offset in a file they read), and waits
// until every service has read it (each reads it at most every 100 ms).
export async function moveServerClock(seconds) {
  const file = required('KETENREGIE_TEST_CLOCK_FILE');
  const offset = serverClockOffset();
  writeFileSync(`${file}.new`, `${offset + seconds}\n`);
  renameSync(`${file}.new`, file);
  await new Promise((resolve) => setTimeout(resolve, 500));
}

export function enrolmentCode(organisation, user) {
  const code = codes.get(`${organisation}/${user}`);
  assert.ok(code, `no enrolment code issued for ${organisation}/${user}`);
  return code;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.KETENREGIE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
}

// One browser context per person: her own cookies, Dutch, the stack's
// development certificate accepted (it is not in chromium's trust store).
export async function personContext(browser) {
  return browser.newContext({
    baseURL: webUrl,
    locale: 'nl-NL',
    timezoneId: 'Europe/Amsterdam',
    ignoreHTTPSErrors: true,
  });
}

// Runs `work` with a page in a browser context of its own (one person),
// with the browser's clock under the test's control when `clock`; the
// context closes whatever happens.
export async function asPerson(browser, work, { clock = false } = {}) {
  const context = await personContext(browser);
  try {
    const page = await context.newPage();
    if (clock) {
      await page.clock.install();
    }
    await work(page);
  } finally {
    await context.close();
  }
}

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const value = alphabet.indexOf(c);
    assert.ok(value >= 0, 'not base32');
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) {
    bytes.push(parseInt(bits.slice(i, i + 8), 2));
  }
  return Buffer.from(bytes);
}

// The 30-second step of now by the stack's clock (RFC 6238).
function totpStep() {
  return Math.floor((Date.now() / 1000 + serverClockOffset()) / 30);
}

// The six-digit code an authenticator app shows for `secret` (base32) in
// the 30-second step `offset` steps from now — now by the stack's clock,
// which an earlier test may have moved on: the app agrees with the server.
export function totp(secret, offset = 0) {
  const step = totpStep() + offset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const at = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(at) & 0x7fffffff) % 1000000;
  return String(value).padStart(6, '0');
}

// axe-core on the page as it is now: no violation of WCAG 2.0/2.1 A and AA.
export async function expectAccessible(page, what) {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const found = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  assert.deepEqual(found, [], `${what}: accessibility violations`);
  assert.ok(result.passes.length > 0, `${what}: axe checked nothing`);
}

// The headers every page of a session must carry.
export function expectPrivatePage(response, what) {
  assert.ok(response, `${what}: no answer`);
  const headers = response.headers();
  assert.equal(headers['cache-control'], 'no-store', `${what}: Cache-Control`);
  assert.match(headers['content-security-policy'] ?? '', /script-src 'self'/, `${what}: CSP`);
}

// A page that answers a form says no refusal (the Dutch alert of a form
// that was refused names it).
async function expectNoRefusal(page, what) {
  assert.equal(await page.locator('.status-code').count(), 0,
    `${what}: an error page: ${await page.locator('main').textContent()}`);
  const alerts = await page.getByRole('alert').allTextContents();
  assert.deepEqual(alerts.map((a) => a.trim()), [], `${what} was refused`);
}

// Sets up `user`'s login on the enrolment pages, as the person does with
// her enrolment code and an authenticator app; returns the app's secret
// and the recovery codes.
export async function enrol(page, organisation, user, password) {
  await page.goto('/activeren');
  await expectAccessible(page, 'the enrolment page');
  await page.getByLabel('Organisatiecode').fill(organisation);
  await page.getByLabel('Gebruikersnaam').fill(user);
  await page.getByLabel('Activeringscode').fill(enrolmentCode(organisation, user));
  await page.getByLabel('Wachtwoord').fill(password);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Verder' }).click()]);
  await expectNoRefusal(page, 'the enrolment');
  const secret = (await page.locator('code.secret').textContent()).replace(/\s/g, '');
  await expectAccessible(page, 'the authenticator page');
  await page.getByLabel('De zes cijfers die de app nu toont').fill(totp(secret));
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Koppelen' }).click()]);
  await expectNoRefusal(page, 'linking the authenticator app');
  const recovery = await page.locator('.recovery-codes code').allTextContents();
  await expectAccessible(page, 'the recovery-code page');
  return { secret, recovery };
}

// A person's login, set up once per run of the browser tests and shared by
// every test file (each runs in a process of its own): the first to ask
// enrols with the account's enrolment code, the others read what it kept
// (the authenticator secret and the recovery codes, each used once).
function accountsFile() {
  return `${required('KETENREGIE_BROWSER_STATE')}/accounts.json`;
}

function readAccounts() {
  try {
    return JSON.parse(readFileSync(accountsFile(), 'utf8'));
  } catch {
    return {};
  }
}

export async function account(browser, organisation, user, password) {
  const key = `${organisation}/${user}`;
  const known = readAccounts()[key];
  if (known) {
    return known;
  }
  let enrolled;
  await asPerson(browser, async (page) => {
    enrolled = await enrol(page, organisation, user, password);
  });
  // Linking the app used the code of this 30-second step.
  const kept = { organisation, user, password, ...enrolled, used: 0, lastStep: totpStep() };
  writeFileSync(accountsFile(), JSON.stringify({ ...readAccounts(), [key]: kept }));
  return kept;
}

// coordinator-2 of ESSM Rotterdam, whom the workspace's tests share, and
// coordinator-1, whom the login tests use and the second pair of eyes.
export const coordinatorTwo = (browser) =>
  account(browser, 'essm-rotterdam', 'coordinator-2', 'nog een zin die ik onthoud');
export const coordinatorOne = (browser) =>
  account(browser, 'essm-rotterdam', 'coordinator-1', 'een zin die ik kan onthouden');

// Where the tests put their screenshots of the screens (linked from the
// README).
export const screenshots = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

// A test file of the coordinator's workspace: the browser, launched before
// its tests and closed after them, and coordinator-2's login.
export function workspaceFile() {
  const file = {};
  before(async () => {
    mkdirSync(screenshots, { recursive: true });
    file.browser = await launch();
    file.coordinator = await coordinatorTwo(file.browser);
  });
  after(async () => {
    await file.browser?.close();
  });
  return file;
}

// Logs `page` in as the person of `account()`, with the authenticator
// app's code as a person does: a code works once, so in a 30-second step
// already used for this account a recovery code is taken while any is left
// (ten per account), else the next step is waited for.
export async function logInAs(page, person) {
  return logIn(page, person.organisation, person.user, person.password,
    await nextSecondFactor(person));
}

async function nextSecondFactor(person) {
  const key = `${person.organisation}/${person.user}`;
  const accounts = readAccounts();
  const kept = accounts[key];
  let step = totpStep();
  if (step <= (kept.lastStep ?? -1)) {
    if (kept.used < kept.recovery.length) {
      return nextRecoveryCode(person);
    }
    const seconds = Date.now() / 1000 + serverClockOffset();
    await new Promise((resolve) => setTimeout(resolve, (30 - (seconds % 30)) * 1000 + 200));
    step = totpStep();
  }
  kept.lastStep = step;
  writeFileSync(accountsFile(), JSON.stringify(accounts));
  return totp(kept.secret);
}

// A recovery code of `person` (of `account()`) not used before in this run,
// from now on counted as used.
export function nextRecoveryCode(person) {
  const key = `${person.organisation}/${person.user}`;
  const accounts = readAccounts();
  const kept = accounts[key];
  assert.ok(kept.used < kept.recovery.length, `${key}: every recovery code is used`);
  const code = kept.recovery[kept.used];
  kept.used += 1;
  writeFileSync(accountsFile(), JSON.stringify(accounts));
  return code;
}

export async function logIn(page, organisation, user, password, code) {
  await page.goto('/inloggen');
  await page.getByLabel('Organisatiecode').fill(organisation);
  await page.getByLabel('Gebruikersnaam').fill(user);
  await page.getByLabel('Wachtwoord').fill(password);
  await page.getByLabel(/authenticator-app/).fill(code);
  const path = (r) => new URL(r.url()).pathname;
  const home = page.waitForResponse((r) => path(r) === '/' && r.request().isNavigationRequest());
  home.catch(() => {}); // awaited below only when the login went through
  const [posted] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && path(r) === '/inloggen'),
    page.getByRole('button', { name: 'Inloggen' }).click(),
  ]);
  assert.equal(posted.status(), 303, 'the login was refused');
  const answer = await home;
  await page.waitForLoadState();
  return answer;
}

// The JSON API of the session (docs/api.md), as a script of the page
// would call it: the session's CSRF token in X-CSRF-Token.
export async function api(page, method, path, body) {
  const session = await page.request.get('/v1/session');
  assert.equal(session.status(), 200, 'GET /v1/session');
  const token = session.headers()['x-csrf-token'];
  const answer = method === 'GET'
    ? await page.request.get(path)
    : await page.request.post(path, {
      headers: { 'X-CSRF-Token': token, 'Content-Type': 'application/json' },
      data: JSON.stringify({ requestId: randomUUID(), ...body }),
    });
  const json = await answer.json();
  assert.equal(answer.status(), 200, `${method} ${path}: ${JSON.stringify(json)}`);
  return json;
}
