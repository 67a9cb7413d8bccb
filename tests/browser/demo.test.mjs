// The demo's three cases done entirely in the browser by a coordinator
// (issue #14; domain/sources essm-presentatie and the adult woman without
// residence status): from login through signal, registration, screening,
// route and reflection period to the timeline. A step the rules forbid is
// refused at its form with the rule and its source.
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

async function submit(page, name) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).click()]);
}

async function newSignal(page, reporter, observation) {
  await page.goto('/signalen/nieuw');
  await page.getByLabel('Wie meldt').selectOption({ label: reporter });
  await page.getByLabel('Wat is er gezien of gehoord').fill(observation);
  await submit(page, 'Signaal vastleggen');
  await page.getByRole('link', { name: 'De persoon aanmelden bij dit signaal' }).click();
  await page.waitForURL(/\/aanmelden\?signaal=/);
}

// The registration form filled for `person`; lands on her trajectory.
async function register(page, person) {
  if (!page.url().includes('/aanmelden')) {
    await page.goto('/aanmelden');
  }
  await page.getByLabel('Voornaam', { exact: true }).fill(person.given);
  await page.getByLabel('Achternaam', { exact: true }).fill(person.family);
  const born = page.getByRole('group', { name: /Geboortedatum/ });
  await born.getByLabel('Dag').fill(String(person.born.getDate()));
  await born.getByLabel('Maand').fill(String(person.born.getMonth() + 1));
  await born.getByLabel('Jaar').fill(String(person.born.getFullYear()));
  await page.getByLabel('Nationaliteit').fill(person.nationality);
  await page.getByLabel('Genderidentiteit').selectOption({ label: 'Vrouw' });
  await page.getByRole('radio', { name: person.age, exact: true }).check();
  await page.getByLabel(/toestemming voor het gesprek/).check();
  if (person.nationality !== 'NL') {
    await page.getByLabel(/tolk/).check();
  }
  await submit(page, 'Aanmelding opslaan');
  assert.match(page.url(), /\/trajecten\/[0-9a-f-]{36}$/, 'registered, on her trajectory');
  return page.url();
}

async function screen(page, scores, form) {
  await page.getByRole('link', { name: 'Screening vastleggen' }).click();
  await page.waitForURL(/\/screening$/);
  for (const [indicator, score] of Object.entries(scores)) {
    await page.getByRole('group', { name: new RegExp(`^${indicator.replace('/', '\\/')}`) })
      .getByRole('radio', { name: score }).check();
  }
  await page.getByLabel(form).check();
  await submit(page, 'Screening opslaan');
}

// Opens the step `summary` of the trajectory page, lets `fill` fill it and
// sends it with `button`.
async function step(page, summary, fill, button) {
  const details = page.locator('details.step').filter({ has: page.getByText(summary, { exact: true }) });
  if (!(await details.evaluate((d) => d.open))) {
    await details.locator('summary').click();
  }
  await fill(details);
  await Promise.all([
    page.waitForNavigation(),
    details.getByRole('button', { name: button }).click(),
  ]);
  return details;
}

function yearsAgo(years, days = 0) {
  const d = new Date();
  d.setFullYear(d.getFullYear() - years);
  d.setDate(d.getDate() - days);
  return d;
}

async function fact(page, name) {
  return page.locator('.facts__item').filter({ has: page.locator('dt', { hasText: name }) })
    .first().locator('dd').textContent();
}

test('case 1: a girl of 17 reported by her school takes route A, not B', () =>
  asPerson(file.browser, async (page) => {
    await logInAs(page, file.coordinator);
    await newSignal(page, 'School', 'Leerling vertelt over werk na schooltijd voor een "vriend".');
    await register(page, {
      given: 'Noor', family: 'Bakker', born: yearsAgo(17, 30), nationality: 'NL',
      age: 'Minderjarig',
    });
    await screen(page, { Werving: '2 — Bewijs' }, 'Seksuele uitbuiting');
    // For a child the means are not needed: a possible victim all the same.
    assert.equal(await fact(page, 'Uitkomst'), 'Mogelijk slachtoffer van mensenhandel');

    // Route B for a child is refused at its form, naming the rule.
    const refused = await step(page, 'Route besluiten', async (form) => {
      await form.getByLabel('Route', { exact: true }).selectOption({ label: 'B — actief traject' });
      await form.getByLabel(/stemt in met doorverwijzing/).check();
    }, 'Route vastleggen');
    const alert = refused.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /Regel R-ROUTE-A-CHILD — bron: /);
    assert.equal(await refused.evaluate((d) => d.open), true, 'the refused step stays open');
    // ...as it was filled in.
    assert.equal(await refused.getByLabel('Route', { exact: true }).inputValue(), 'ROUTE_B_ACTIVE');
    assert.ok(await refused.getByLabel(/stemt in met doorverwijzing/).isChecked());
    await expectAccessible(page, 'a refused step');
    await page.screenshot({ path: `${screenshots}stap-geweigerd.png`, fullPage: true });

    await step(page, 'Route besluiten', (form) =>
      form.getByLabel('Route', { exact: true }).selectOption({ label: 'A — kind: eerst jeugdbescherming' }),
    'Route vastleggen');
    assert.equal(await fact(page, 'Fase'), 'Jeugdbescherming');
    assert.equal(await fact(page, 'Route'), 'A — kind: eerst jeugdbescherming');
  }));

test('case 2: after a municipal check, criminal exploitation, non-punishment, route B', () =>
  asPerson(file.browser, async (page) => {
    await logInAs(page, file.coordinator);
    await newSignal(page, 'Gemeente (bijvoorbeeld na een prostitutiecontrole)',
      'Bewoner werkt onbetaald in een wietkwekerij, slaapt daar.');
    await register(page, {
      given: 'Sam', family: 'Visser', born: new Date(1996, 7, 2), nationality: 'NL',
      age: 'Meerderjarig (bevestigd)',
    });
    await screen(page, {
      'Huisvesting/opnemen': '2 — Bewijs',
      Geweld: '1 — Aanwezigheid van signalen',
      'Machtsmisbruik / misbruik van een kwetsbare positie': '2 — Bewijs',
    }, /Gedwongen bedelarij of strafbare activiteiten/);
    await step(page, 'Non-punishment', (form) =>
      form.getByLabel(/kan als dader worden gezien/).check(), 'Non-punishment opslaan');
    assert.match(await fact(page, 'Non-punishment'), /^Ja/);
    await step(page, 'Route besluiten', async (form) => {
      await form.getByLabel('Route', { exact: true }).selectOption({ label: 'B — actief traject' });
      await form.getByLabel(/stemt in met doorverwijzing/).check();
    }, 'Route vastleggen');
    assert.equal(await fact(page, 'Fase'), 'Actief traject');
    const timeline = await page.locator('ol.timeline').textContent();
    for (const entry of ['Cliënt aangemeld', 'Screening vastgelegd', 'Non-punishment vastgelegd',
      'Route besloten']) {
      assert.match(timeline, new RegExp(entry));
    }
  }));

test('case 3: an adult woman without residence status: reflection period, report, B8', () =>
  asPerson(file.browser, async (page) => {
    await logInAs(page, file.coordinator);
    await register(page, {
      given: 'Grace', family: 'Okafor', born: new Date(1999, 10, 5), nationality: 'NG',
      age: 'Meerderjarig (bevestigd)',
    });
    await screen(page, {
      Werving: '2 — Bewijs',
      'Vervoer/overbrenging': '2 — Bewijs',
      'Achterhouden van documenten': '2 — Bewijs',
      'Fraude/misleiding': '1 — Aanwezigheid van signalen',
    }, 'Seksuele uitbuiting');
    await step(page, 'Route besluiten', async (form) => {
      await form.getByLabel('Route', { exact: true }).selectOption({ label: 'B — actief traject' });
      await form.getByLabel(/stemt in met doorverwijzing/).check();
    }, 'Route vastleggen');
    await step(page, 'Bedenktijd starten', () => {}, 'Bedenktijd starten');
    assert.equal(await fact(page, 'Stand'), 'Loopt');
    assert.match(await fact(page, 'Loopt af op'), /\(over (89|9[0-2]) dagen\)/);
    await step(page, 'Besluit over de bedenktijd', (form) =>
      form.getByLabel('Besluit').selectOption({ label: 'Aangifte gedaan' }), 'Besluit vastleggen');
    await step(page, 'Verblijfsvergunning (B8)', (form) =>
      form.getByLabel('Stand van de B8-vergunning').selectOption({ label: 'B8-vergunning aangevraagd' }),
    'Vergunning vastleggen');
    assert.equal(await fact(page, 'Besluit'), 'Aangifte gedaan');
    assert.equal(await fact(page, 'Verblijfsvergunning'), 'B8-vergunning aangevraagd');
    const timeline = await page.locator('ol.timeline').textContent();
    for (const entry of ['Cliënt aangemeld', 'Screening vastgelegd', 'Route besloten',
      'Bedenktijd gestart', 'Besluit over de bedenktijd', 'B8-vergunning aangevraagd']) {
      assert.match(timeline, new RegExp(entry), entry);
    }
    await expectAccessible(page, 'the trajectory page with its steps');
    await page.screenshot({ path: `${screenshots}traject-stappen.png`, fullPage: true });
  }));
