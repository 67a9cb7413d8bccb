// The coordinator's intake in a real browser (issue #14): a new signal,
// the registration for it and the screening of Bijlage 1, done with the
// keyboard only; a refused registration marked at its field; a second
// registration of the same person warned of her earlier trajectory. axe on
// every page, screenshots for docs/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  asPerson,
  expectAccessible,
  logInAs,
  screenshots,
  workspaceFile,
} from './support.mjs';

const file = workspaceFile();

// Presses Tab until `target` has the focus, as a keyboard user moves
// through the page; fails if it never comes (not reachable by keyboard).
async function tabTo(page, target, what) {
  for (let i = 0; i < 120; i += 1) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) {
      return;
    }
    await page.keyboard.press('Tab');
  }
  assert.fail(`${what} cannot be reached with the Tab key`);
}

async function submitWithEnter(page, button, what) {
  await tabTo(page, button, what);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

test('a signal, its registration and the screening, with the keyboard only', () =>
  asPerson(file.browser, async (page) => {
    await logInAs(page, file.coordinator);
    await page.goto('/signalen/nieuw');
    assert.equal(await page.title(), 'Nieuw signaal — Ketenregie');
    await expectAccessible(page, 'the new signal form');
    await page.screenshot({ path: `${screenshots}signaal.png`, fullPage: true });

    await tabTo(page, page.getByLabel('Wie meldt'), 'who reports');
    await page.keyboard.type('Gemeente');
    await tabTo(page, page.getByLabel('Wat is er gezien of gehoord'), 'the observation');
    await page.keyboard.type('Na een prostitutiecontrole: paspoort bij de exploitant, geen eigen geld.');
    await submitWithEnter(page, page.getByRole('button', { name: 'Signaal vastleggen' }),
      'the submit button');
    await page.getByRole('heading', { name: 'Signaal vastgelegd' }).waitFor();
    assert.match(await page.locator('main').textContent(), /Gemeld doorGemeente/);
    await expectAccessible(page, 'the signal page');

    const register = page.getByRole('link', { name: 'De persoon aanmelden bij dit signaal' });
    await tabTo(page, register, 'the registration link');
    await Promise.all([page.waitForURL(/\/aanmelden\?signaal=/), page.keyboard.press('Enter')]);
    await expectAccessible(page, 'the registration form');
    await page.screenshot({ path: `${screenshots}aanmelden.png`, fullPage: true });
    for (const [label, text] of [['Voornaam', 'Ada'], ['Achternaam', 'Nwosu']]) {
      await tabTo(page, page.getByLabel(label, { exact: true }), label);
      await page.keyboard.type(text);
    }
    const born = page.getByRole('group', { name: /Geboortedatum/ });
    for (const [label, text] of [['Dag', '15'], ['Maand', '3'], ['Jaar', '1999']]) {
      await tabTo(page, born.getByLabel(label), `the date of birth's ${label}`);
      await page.keyboard.type(text);
    }
    await tabTo(page, page.getByLabel('Nationaliteit'), 'the nationality');
    await page.keyboard.type('NG');
    await tabTo(page, page.getByLabel('Genderidentiteit'), 'the gender');
    await page.keyboard.type('Vrouw');
    // A radio group takes one Tab; the arrow keys choose within it.
    const adult = page.getByRole('radio', { name: 'Meerderjarig (bevestigd)' });
    await tabTo(page, adult, 'the age status');
    await page.keyboard.press('Space');
    assert.equal(await adult.isChecked(), true);
    for (const label of [/toestemming voor het gesprek/, /tolk/]) {
      await tabTo(page, page.getByLabel(label), String(label));
      await page.keyboard.press('Space');
    }
    await submitWithEnter(page, page.getByRole('button', { name: 'Aanmelding opslaan' }),
      'the save button');
    // No one registered before: straight to her new trajectory.
    assert.match(page.url(), /\/trajecten\/[0-9a-f-]{36}$/);
    assert.match(await page.locator('main').textContent(), /FaseAangemeld/);
    assert.doesNotMatch(await page.title(), /Ada|Nwosu/);

    await tabTo(page, page.getByRole('link', { name: 'Screening vastleggen' }), 'the screening link');
    await Promise.all([page.waitForURL(/\/screening$/), page.keyboard.press('Enter')]);
    await expectAccessible(page, 'the screening form');
    await page.screenshot({ path: `${screenshots}screening.png`, fullPage: true });
    assert.equal(await page.locator('fieldset.indicator').count(), 12, 'the twelve indicators');
    for (const indicator of ['Werving', 'Vervoer/overbrenging', 'Achterhouden van documenten']) {
      const group = page.getByRole('group', { name: new RegExp(`^${indicator}`) });
      await tabTo(page, group.getByRole('radio', { name: '0 — Geen signalen' }), indicator);
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      assert.equal(await group.getByRole('radio', { name: '2 — Bewijs' }).isChecked(), true);
    }
    await tabTo(page, page.getByLabel('Seksuele uitbuiting'), 'the form of exploitation');
    await page.keyboard.press('Space');
    await submitWithEnter(page, page.getByRole('button', { name: 'Screening opslaan' }),
      'the save button');
    const screening = await page.locator('main').textContent();
    assert.match(screening, /UitkomstMogelijk slachtoffer van mensenhandel/);
    assert.match(screening, /HandelingJa/);
    assert.match(screening, /MiddelJa/);
    assert.match(screening, /DoelJa/);
    assert.match(screening, /Vorm van uitbuitingSeksuele uitbuiting/);
    assert.match(screening, /Screening vastgelegd door coordinator-2/);
    await expectAccessible(page, 'the trajectory page after screening');
  }));

test('a refused registration is marked at its field; the same person again is warned of', () =>
  asPerson(file.browser, async (page) => {
    await logInAs(page, file.coordinator);
    await page.goto('/aanmelden');
    const born = page.getByRole('group', { name: /Geboortedatum/ });
    // No name, and a date of birth still to come: the service refuses,
    // naming both fields; nothing is stored.
    await born.getByLabel('Dag').fill('15');
    await born.getByLabel('Maand').fill('3');
    await born.getByLabel('Jaar').fill('2090');
    await page.getByLabel('Nationaliteit').fill('NG');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Aanmelding opslaan' }).click(),
    ]);
    assert.equal(refused.status(), 400);
    const summary = page.locator('#foutmelding');
    await summary.waitFor();
    assert.equal(await summary.getAttribute('role'), 'alert');
    assert.match(await summary.textContent(), /De aanmelding is niet opgeslagen/);
    for (const field of ['voornaam', 'geboortedatum']) {
      assert.equal(await summary.locator(`a[href="#${field}"]`).count(), 1,
        `the summary links ${field}`);
      assert.ok((await page.locator(`#${field}-fout`).textContent()).trim().length > 0,
        `${field} says what is wrong`);
    }
    assert.equal(await page.getByLabel('Voornaam', { exact: true }).getAttribute('aria-invalid'),
      'true');
    // What was typed is still there, to mend and send again; the link
    // takes the focus to the field.
    assert.equal(await born.getByLabel('Jaar').inputValue(), '2090');
    await summary.locator('a[href="#voornaam"]').click();
    assert.equal(await page.getByLabel('Voornaam', { exact: true })
      .evaluate((el) => el === document.activeElement), true);
    await expectAccessible(page, 'a refused registration');

    await page.getByLabel('Voornaam', { exact: true }).fill('Ada');
    await page.getByLabel('Achternaam', { exact: true }).fill('Nwosu');
    await born.getByLabel('Jaar').fill('1999');
    await page.getByRole('radio', { name: 'Meerderjarig (bevestigd)' }).check();
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Aanmelding opslaan' }).click(),
    ]);
    const warning = page.getByRole('alert');
    await warning.waitFor();
    assert.match(await warning.textContent(), /Deze persoon is eerder aangemeld/);
    assert.equal(await warning.getByRole('link', { name: /^Traject [0-9a-f]{8}$/ }).count(), 1);
    assert.equal(await page.title(), 'Aanmelding vastgelegd — Ketenregie');
    await expectAccessible(page, 'the earlier-registration warning');
    await page.screenshot({ path: `${screenshots}eerder-aangemeld.png`, fullPage: true });
  }));
