// The coordinator's workspace in a real browser (issue #14): the caseload,
// the trajectory page with its time bar and timeline, and the deadlines
// and tasks with "Afronden" — with and without JavaScript, a refusal shown
// next to its action, every page checked by axe, and screenshots of each
// screen for docs/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  api,
  asPerson,
  expectAccessible,
  expectPrivatePage,
  logInAs,
  personContext,
  webUrl,
  screenshots,
  workspaceFile,
} from './support.mjs';

const organisation = 'essm-rotterdam';
const user = 'coordinator-2';
const file = workspaceFile();

// A registered adult, screened as a possible victim of `form` with
// evidence for each of `indicators`, on route B (she consents to referral).
async function onRouteB(page, identity, indicators, form) {
  const registered = await api(page, 'POST', '/v1/trajectories:registerPerson', {
    identity, ageStatus: 'AGE_STATUS_CONFIRMED_ADULT', consentToNotes: true, interpreterUsed: true,
  });
  let t = registered.trajectory;
  t = await api(page, 'POST', `/v1/trajectories/${t.id}:recordScreening`, {
    etag: t.etag,
    screening: {
      indicators: indicators.map((i) => ({
        indicator: `INDICATOR_${i}`, score: 'INDICATOR_SCORE_EVIDENCE',
      })),
      forms: [`EXPLOITATION_FORM_${form}`],
    },
  });
  return api(page, 'POST', `/v1/trajectories/${t.id}:decideRoute`, {
    etag: t.etag, route: 'ROUTE_B_ACTIVE', consentsToReferral: true,
  });
}

// An adult woman without residence status: screened, route B, reflection
// period running (the third case of the demo).
async function womanWithReflectionPeriod(page) {
  const t = await onRouteB(page, {
    givenName: 'Grace', familyName: 'Okafor', nationality: 'NG',
    dateOfBirth: { year: 1999, month: 11, day: 5 }, genderIdentity: 'GENDER_IDENTITY_WOMAN',
  }, ['RECRUITMENT', 'TRANSPORT', 'WITHHELD_DOCUMENTS'], 'SEXUAL');
  return api(page, 'POST', `/v1/trajectories/${t.id}:startReflectionPeriod`, { etag: t.etag });
}

// A person whose age is in doubt, registered and nothing more yet.
async function registeredOfDoubtedAge(page) {
  const registered = await api(page, 'POST', '/v1/trajectories:registerPerson', {
    identity: { givenName: 'Mila', familyName: 'Jansen', nationality: 'RO' },
    ageStatus: 'AGE_STATUS_DOUBTED', consentToNotes: true, interpreterUsed: true,
  });
  return registered.trajectory;
}

// An adult on route B whose age comes in doubt: treated as a child now, so
// her coordinator gets the task to take route A at once.
async function personWithTask(page) {
  const t = await onRouteB(page, { givenName: 'Mila', familyName: 'Jansen', nationality: 'RO' },
    ['RECRUITMENT', 'THREAT', 'WITHHELD_WAGES'], 'LABOUR');
  return api(page, 'POST', `/v1/trajectories/${t.id}:setAgeStatus`, {
    etag: t.etag, ageStatus: 'AGE_STATUS_DOUBTED',
  });
}

async function taskOf(page, trajectoryId) {
  const tasks = await api(page, 'GET',
    `/v1/tasks?trajectoryId=${trajectoryId}&state=TASK_STATE_OPEN`);
  const task = (tasks.tasks ?? []).find((t) => t.kind === 'route.a_required');
  assert.ok(task, `no route.a_required task: ${JSON.stringify(tasks)}`);
  return task;
}

function expectNoPersonInAddressOrTitle(page, title) {
  for (const name of ['Grace', 'Okafor', 'Mila', 'Jansen']) {
    assert.ok(!page.url().includes(name), `the address names ${name}`);
    assert.ok(!title.includes(name), `the title names ${name}`);
  }
}

test('the caseload lists her trajectories; the trajectory page shows facts, time bar and timeline', () =>
  asPerson(file.browser, async (page) => {
    await logInAs(page, file.coordinator);
    const woman = await womanWithReflectionPeriod(page);
    await registeredOfDoubtedAge(page);
    await personWithTask(page);

    const caseload = await page.goto('/trajecten');
    expectPrivatePage(caseload, 'the caseload');
    assert.equal(await page.title(), 'Werkvoorraad — Ketenregie');
    expectNoPersonInAddressOrTitle(page, await page.title());
    const table = page.getByRole('table', { name: /Trajecten/ });
    const row = table.getByRole('row').filter({
      has: page.getByRole('link', { name: `Traject ${woman.id.slice(0, 8)}` }),
    });
    await row.waitFor();
    assert.match(await row.textContent(), /Actief traject/);
    assert.match(await row.textContent(), /B — actief traject/);
    assert.match(await row.textContent(), /Meerderjarig \(bevestigd\)/);
    // Her next deadline is her reflection period's end, three months on.
    assert.match(await row.textContent(), /\(over (89|9[0-2]) dagen\)\s*Bedenktijd eindigt/);
    assert.match(await table.textContent(), /Leeftijd betwijfeld: behandeld als minderjarig/);
    // Route A, now that her age is in doubt, is her next deadline, today.
    assert.match(await table.textContent(), /Route A nodig: kind naar jeugdbescherming/);
    assert.match(await table.textContent(), /vandaag/);
    // The caseload names no one: identity is read on a trajectory's page only.
    assert.doesNotMatch(await page.content(), /Grace|Okafor|Mila|Jansen/);
    await expectAccessible(page, 'the caseload');
    await page.screenshot({ path: `${screenshots}werkvoorraad.png`, fullPage: true });

    // The filter, with JavaScript: htmx replaces the list and the address
    // keeps the filter.
    await page.getByLabel('Fase').selectOption({ label: 'Aangemeld' });
    await page.waitForURL(/fase=TRAJECTORY_STATE_REGISTERED/);
    // The list is replaced: her row (active) is gone.
    await row.waitFor({ state: 'detached' });
    await assert.doesNotReject(
      table.getByText('Leeftijd betwijfeld: behandeld als minderjarig').first().waitFor());
    assert.equal(await table.getByText('B — actief traject').count(), 0);
    await expectAccessible(page, 'the filtered caseload');

    await page.goto('/trajecten');
    await Promise.all([
      page.waitForURL(`**/trajecten/${woman.id}`),
      page.getByRole('link', { name: `Traject ${woman.id.slice(0, 8)}` }).click(),
    ]);
    assert.equal(await page.title(), 'Traject — Ketenregie');
    expectNoPersonInAddressOrTitle(page, await page.title());
    await page.getByRole('heading', { name: `Traject ${woman.id.slice(0, 8)}` }).waitFor();
    const main = page.locator('main');
    assert.match(await main.textContent(), /RouteB — actief traject/);
    assert.match(await main.textContent(), /StandLoopt/);
    // The time bar: drawn from the data, and said in words beside it.
    const figure = page.getByRole('figure', { name: 'Tijdbalk' });
    await figure.waitFor();
    assert.equal(await figure.locator('svg rect.time-bar__period--reflection').count(), 1);
    assert.equal(await figure.locator('svg line.time-bar__today').count(), 1);
    assert.match(await figure.textContent(), /Bedenktijd: \d+ \w+ \d{4} tot \d+ \w+ \d{4} \(loopt\)/);
    // The timeline: her steps, in Dutch.
    const timeline = page.locator('ol.timeline li');
    assert.equal(await timeline.count(), 4, 'the timeline has her four steps');
    const steps = await page.locator('ol.timeline').textContent();
    for (const step of ['Cliënt aangemeld', 'Screening vastgelegd', 'Route besloten',
      'Bedenktijd gestart']) {
      assert.match(steps, new RegExp(`${step} door ${user} \\(${organisation}\\)`));
    }
    assert.doesNotMatch(steps, /Gebeurtenis \(/, 'every step has its Dutch words');
    await expectAccessible(page, 'the trajectory page');
    await page.screenshot({ path: `${screenshots}traject.png`, fullPage: true });

    // Her identity is not on the page until her coordinator asks for it;
    // then it is read for this page (on the audit trail), in place.
    assert.doesNotMatch(await page.content(), /Grace|Okafor/);
    const identityRead = page.waitForResponse((r) => r.url().includes('persoonsgegevens=tonen'));
    await page.getByRole('button', { name: 'Persoonsgegevens tonen' }).click();
    assert.equal((await identityRead).request().headers()['hx-request'], 'true');
    await page.locator('#persoon').getByText('Okafor').waitFor();
    const person = await page.locator('#persoon').textContent();
    assert.match(person, /VoornaamGrace/);
    assert.match(person, /Geboortedatum5 november 1999/);
    assert.match(person, /NationaliteitNG/);
    assert.match(person, /GenderVrouw/);
    expectNoPersonInAddressOrTitle(page, await page.title());
    await expectAccessible(page, 'her identity shown');
    await page.locator('#persoon').getByRole('link', { name: 'Persoonsgegevens verbergen' }).click();
    await page.getByRole('button', { name: 'Persoonsgegevens tonen' }).waitFor();
    assert.doesNotMatch(await page.content(), /Grace|Okafor/);
  }));

test('a task is marked done from the list, with JavaScript and without', async () => {
  const context = await personContext(file.browser);
  const plain = await file.browser.newContext({
    baseURL: webUrl, javaScriptEnabled: false, locale: 'nl-NL', ignoreHTTPSErrors: true,
  });
  try {
    const page = await context.newPage();
    await logInAs(page, file.coordinator);
    const first = await personWithTask(page);
    const second = await personWithTask(page);
    const firstTask = await taskOf(page, first.id);
    const secondTask = await taskOf(page, second.id);

    const tasks = await page.goto('/taken?wie=alle');
    expectPrivatePage(tasks, 'the tasks');
    assert.equal(await page.title(), 'Termijnen en taken — Ketenregie');
    const rowOf = (task) => page.locator(`#taak-${task.id}`);
    await rowOf(firstTask).waitFor();
    assert.match(await rowOf(firstTask).textContent(), /Route A nodig/);
    await expectAccessible(page, 'the tasks');
    await page.screenshot({ path: `${screenshots}taken.png`, fullPage: true });

    // With JavaScript: htmx posts the form and swaps the list in place.
    const posted = page.waitForResponse((r) => r.request().method() === 'POST');
    await rowOf(firstTask).getByRole('button', { name: 'Afronden' }).click();
    assert.equal((await posted).request().headers()['hx-request'], 'true');
    await rowOf(firstTask).waitFor({ state: 'detached' });
    await rowOf(secondTask).waitFor();
    const done = await api(page, 'GET', `/v1/tasks?trajectoryId=${first.id}`);
    assert.equal(done.tasks.find((t) => t.id === firstTask.id).state, 'TASK_STATE_DONE');

    // A post without the session's CSRF token does nothing (403).
    const forged = await page.request.post('/taken/afronden', {
      form: { taak: secondTask.id, etag: secondTask.etag, verzoek: randomUUID(), wie: 'alle' },
    });
    assert.equal(forged.status(), 403);
    assert.equal((await taskOf(page, second.id)).id, secondTask.id, 'still open');
    // After "Afronden" the page says so, where the focus now is.
    assert.equal(await page.locator('[data-announce]').evaluate((el) => el === document.activeElement),
      true);
    assert.equal((await page.locator('#aankondiging').textContent()).trim(), 'Taak afgerond.');

    // A stale page: the task was done elsewhere since. The refusal stands
    // next to its action, in Dutch, with the rule it comes from.
    const stale = await context.newPage();
    await stale.goto('/taken?wie=alle');
    await api(page, 'POST', `/v1/tasks/${secondTask.id}:complete`, { etag: secondTask.etag });
    await stale.locator(`#taak-${secondTask.id}`).getByRole('button', { name: 'Afronden' }).click();
    // Done elsewhere, the task is no longer on the list: the refusal
    // stands above it.
    const refusal = stale.locator('#taken').getByRole('alert');
    await refusal.waitFor();
    assert.match(await refusal.textContent(), /Iemand anders heeft dit intussen gewijzigd/);
    assert.equal(await stale.locator(`#taak-${secondTask.id}`).count(), 0);
    await expectAccessible(stale, 'a refused task');

    // Without JavaScript: the form posts, the answer sends the browser back
    // to the list, where the task is gone.
    const third = await personWithTask(page);
    const thirdTask = await taskOf(page, third.id);
    await plain.addCookies(await context.cookies());
    const noScript = await plain.newPage();
    await noScript.goto('/taken?wie=alle');
    await noScript.locator(`#taak-${thirdTask.id}`).getByRole('button', { name: 'Afronden' }).click();
    await noScript.waitForURL('**/taken?wie=alle&afgerond=1');
    assert.match(await noScript.locator('#taken').textContent(), /Taak afgerond\./);
    await noScript.locator('h1').waitFor();
    assert.equal(await noScript.locator(`#taak-${thirdTask.id}`).count(), 0);

    // Her identity, asked for without JavaScript: the form reloads the page
    // with it; the address says only that it is shown.
    await noScript.goto(`/trajecten/${third.id}`);
    await Promise.all([
      noScript.waitForURL(/persoonsgegevens=tonen#persoon$/),
      noScript.getByRole('button', { name: 'Persoonsgegevens tonen' }).click(),
    ]);
    assert.match(await noScript.locator('#persoon').textContent(), /VoornaamMila.*AchternaamJansen/s);
    expectNoPersonInAddressOrTitle(noScript, await noScript.title());
  } finally {
    await plain.close();
    await context.close();
  }
});
