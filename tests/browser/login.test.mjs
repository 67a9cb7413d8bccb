// The front door in a real browser (issue #13): enrolment with an
// authenticator app, login, the session's header and its idle warning,
// logout — each page checked by axe for WCAG 2.1 AA.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  asPerson,
  coordinatorOne,
  moveServerClock,
  nextRecoveryCode,
  expectAccessible,
  expectPrivatePage,
  launch,
  logIn,
} from './support.mjs';

let browser;
let account;
let organisation;
let user;
let password;

before(async () => {
  browser = await launch();
  // Enrolled here, or by another test file first (the shared logins).
  account = await coordinatorOne(browser);
  ({ organisation, user, password } = account);
  assert.equal(account.recovery.length, 10);
});

after(async () => {
  await browser?.close();
});

test('a login says who is logged in and until when; logout ends it, and back shows nothing', () =>
  asPerson(browser, async (page) => {
    await page.goto('/inloggen');
    await expectAccessible(page, 'the login page');
    const home = await logIn(page, organisation, user, password, nextRecoveryCode(account));
    expectPrivatePage(home, 'the start page');
    assert.equal(new URL(page.url()).pathname, '/');
    const header = page.locator('.page-header__session');
    await assert.doesNotReject(header.getByText(`Ingelogd als ${user} van ${organisation}`).waitFor());
    assert.match(await header.textContent(), /Zonder activiteit eindigt uw sessie om \d\d:\d\d/);
    // The title names no person.
    assert.equal(await page.title(), 'Startpagina — Ketenregie');
    await expectAccessible(page, 'the start page of a session');

    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await page.getByText('U bent uitgelogd').waitFor();
    assert.equal(await page.locator('.page-header__session').count(), 0);
    // Back: the page is not kept (no-store), so the browser asks again and
    // the ended session gets nothing.
    await page.goBack();
    assert.equal(await page.getByText('Ingelogd als').count(), 0);
    assert.equal(await page.locator('.page-header__session').count(), 0);
  }));

test('two minutes before the idle end the page warns; "Ingelogd blijven" keeps the session', () =>
  asPerson(browser, async (page) => {
    // The browser's clock is the test's: the page counts by it.
    await logIn(page, organisation, user, password, nextRecoveryCode(account));
    const warning = page.getByRole('alertdialog', { name: 'Uw sessie verloopt bijna' });
    assert.equal(await warning.isVisible(), false);
    await page.clock.fastForward('12:50');
    assert.equal(await warning.isVisible(), false, 'no warning before 13 minutes');
    await page.clock.fastForward('00:20');
    await warning.waitFor({ state: 'visible' });
    const stay = page.getByRole('button', { name: 'Ingelogd blijven' });
    assert.equal(await stay.evaluate((b) => b === document.activeElement), true,
      'the button has the focus, so a keyboard user keeps the session with Enter');
    assert.match(await page.locator('#sessie-aftellen').textContent(), /^(1|2) minut(en|uut)$/);
    await expectAccessible(page, 'the session warning');

    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/session');
    await page.keyboard.press('Enter');
    assert.equal((await answered).status(), 200);
    await warning.waitFor({ state: 'hidden' });
    // Counted again from the directory's answer: no warning for 12
    // minutes, and the page stays; then the warning comes again.
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) {
        navigations += 1;
      }
    });
    await page.clock.fastForward('12:00');
    assert.equal(await warning.isVisible(), false);
    await page.clock.fastForward('01:10');
    await warning.waitFor({ state: 'visible' });
    assert.equal(navigations, 0, 'the page stayed');
  }, { clock: true }));

test('at the idle end the page goes to the start page, which says the session has ended', () =>
  asPerson(browser, async (page) => {
    await logIn(page, organisation, user, password, nextRecoveryCode(account));
    // Fifteen minutes pass for the services as for the page.
    await moveServerClock(15 * 60 + 1);
    const start = page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/' && r.request().isNavigationRequest());
    await page.clock.fastForward('15:01');
    await start;
    await page.waitForLoadState();
    const main = await page.locator('main').textContent();
    assert.match(main, /U bent uitgelogd/, main);
    assert.equal(await page.locator('.page-header__session').count(), 0);
    assert.equal(await page.getByText('Ingelogd als').count(), 0);
  }, { clock: true }));

test('a logout in one tab ends the other tabs of the session too', () =>
  asPerson(browser, async (page) => {
    await logIn(page, organisation, user, password, nextRecoveryCode(account));
    const other = await page.context().newPage();
    await other.goto('/');
    await other.getByText(`Ingelogd als ${user}`).waitFor();
    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await page.getByText('U bent uitgelogd').waitFor();
    await other.waitForURL((url) => url.pathname === '/uitgelogd');
    assert.equal(await other.getByText('Ingelogd als').count(), 0);
  }));

test('login with the keyboard only', () =>
  asPerson(browser, async (page) => {
    await page.goto('/inloggen');
    // From the top of the page: skip link, home link, then the form's fields
    // in the order they are read.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Naar de inhoud');
    await page.keyboard.press('Enter');
    const fields = [organisation, user, password, nextRecoveryCode(account)];
    await page.keyboard.press('Tab');
    for (const [i, value] of fields.entries()) {
      if (i > 0) {
        await page.keyboard.press('Tab');
      }
      const focused = await page.evaluate(() => document.activeElement.id);
      assert.equal(focused, ['organisatie', 'gebruikersnaam', 'wachtwoord', 'code'][i]);
      await page.keyboard.type(value);
    }
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    await page.getByText(`Ingelogd als ${user}`).waitFor();
  }));
