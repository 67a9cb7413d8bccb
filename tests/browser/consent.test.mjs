// Consent in the browser (issue #14, screen 6): the matrix of partners ×
// data categories, recording her answer with the form (an incomplete form
// is marked at its fields and saves nothing), and withdrawing after a page
// that says what it revokes. Every page checked by axe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  api,
  asPerson,
  expectAccessible,
  expectPrivatePage,
  logInAs,
  screenshots,
  workspaceFile,
} from './support.mjs';

const file = workspaceFile();
const lawyer = 'Advocatenkantoor Demo (gespecialiseerd advocaat)';

// The cell of the matrix for `partner` and the category in column `column`.
async function cell(page, partner, column) {
  const headers = await page.locator('table.consent-matrix thead th').allTextContents();
  const index = headers.indexOf(column);
  assert.ok(index > 0, `no column ${column}: ${headers}`);
  const row = page.locator('table.consent-matrix tbody tr').filter({
    has: page.getByRole('rowheader', { name: partner, exact: true }),
  });
  return (await row.locator('th, td').nth(index).textContent()).trim();
}

async function submit(page, name) {
  const [answer] = await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name }).click(),
  ]);
  return answer;
}

test('a consent is recorded in the matrix, and withdrawn after saying what that revokes', () =>
  asPerson(file.browser, async (page) => {
    await logInAs(page, file.coordinator);
    const registered = await api(page, 'POST', '/v1/trajectories:registerPerson', {
      identity: { givenName: 'Ayesha', familyName: 'Bello', nationality: 'NG' },
      ageStatus: 'AGE_STATUS_CONFIRMED_ADULT', consentToNotes: true, interpreterUsed: true,
    });
    const id = registered.trajectory.id;

    await page.goto(`/trajecten/${id}`);
    await page.getByRole('link', { name: 'Toestemming: wat zij met wie deelt' }).click();
    await page.waitForURL(`**/trajecten/${id}/toestemming`);
    assert.equal(await page.title(), 'Toestemming — Ketenregie');
    assert.doesNotMatch(await page.content(), /Ayesha|Bello/, 'the page names no one');
    assert.equal(await cell(page, lawyer, 'Identiteit'), 'Geen');
    await expectAccessible(page, 'the consent page');

    // An incomplete form (her answer missing): marked at its fields,
    // nothing saved, and what was filled in comes back as it was.
    await page.getByLabel('Partner', { exact: true }).selectOption({ label: lawyer });
    await page.locator('#categorieen').getByLabel('Identiteit').check();
    await page.locator('#doel').selectOption({ label: 'Rechtshulp' });
    await page.getByLabel('Met een tolk, niet uit haar eigen kring').check();
    const until = page.getByRole('group', { name: 'Geldig tot' });
    await until.getByLabel('Dag').fill('1');
    await until.getByLabel('Maand').fill('6');
    await until.getByLabel('Jaar').fill(String(new Date().getFullYear() + 1));
    let answer = await submit(page, 'Antwoord vastleggen');
    assert.equal(answer.status(), 400);
    const summary = page.locator('#foutmelding');
    assert.match(await summary.textContent(), /Niet alles is goed ingevuld/);
    assert.equal(await summary.getByRole('link', { name: 'Kies wat zij antwoordde.' }).count(), 1);
    await expectAccessible(page, 'the consent form, refused');
    assert.equal((await api(page, 'GET', `/v1/trajectories/${id}/consents`)).consents, undefined);
    assert.equal(await page.getByLabel('Partner', { exact: true }).inputValue(), 'advocatenkantoor-demo');
    assert.ok(await page.locator('#categorieen').getByLabel('Identiteit').isChecked());
    assert.ok(!await page.locator('#categorieen').getByLabel('Gezondheid').isChecked());
    assert.equal(await page.locator('#doel').inputValue(), 'PURPOSE_LEGAL_AID');
    assert.ok(await page.getByLabel('Met een tolk, niet uit haar eigen kring').isChecked());
    assert.equal(await until.getByLabel('Maand').inputValue(), '6');

    // Her answer: the lawyer may see her identity and the criminal case,
    // for legal aid, with an interpreter.
    await page.locator('#categorieen').getByLabel('Aangifte en strafzaak').check();
    await page.getByLabel('Zij geeft toestemming').check();
    answer = await submit(page, 'Antwoord vastleggen');
    expectPrivatePage(answer, 'the consent page');
    assert.match(page.url(), /\/toestemming\?vastgelegd=1$/, await page.locator('main').textContent());
    assert.match(await page.locator('.notice').textContent(), /Haar antwoord is vastgelegd/);
    assert.match(await cell(page, lawyer, 'Identiteit'),
      new RegExp(`^Toestemming gegeven\\s*Rechtshulp\\s*tot 1 juni ${new Date().getFullYear() + 1}$`));
    assert.match(await cell(page, lawyer, 'Aangifte en strafzaak'), /^Toestemming gegeven/);
    assert.equal(await cell(page, lawyer, 'Verblijfplaats'), 'Geen');
    assert.equal(await cell(page, 'Nidos', 'Identiteit'), 'Geen');
    await expectAccessible(page, 'the consent page with a consent');
    await page.screenshot({ path: `${screenshots}toestemming.png`, fullPage: true });

    // Withdrawing: first what it revokes, then done.
    await page.getByRole('link', { name: 'Intrekken' }).click();
    await page.waitForURL(/\/intrekken$/);
    assert.equal(await page.title(), 'Toestemming intrekken — Ketenregie');
    const consequences = await page.getByRole('region', { name: 'Wat er dan gebeurt' }).textContent();
    assert.match(consequences, new RegExp(`${lawyer.replace(/[()]/g, '\\$&')} krijgt deze gegevens niet meer: Identiteit, Aangifte en strafzaak \\(doel: Rechtshulp\\)`));
    assert.match(consequences, /Overdrachten aan .* worden ingetrokken/);
    await expectAccessible(page, 'the withdrawal confirmation');
    await page.screenshot({ path: `${screenshots}toestemming-intrekken.png`, fullPage: true });
    await submit(page, 'Ja, toestemming intrekken');
    assert.match(page.url(), /\/toestemming\?ingetrokken=1$/);
    assert.match(await cell(page, lawyer, 'Identiteit'), /^Ingetrokken/);
    assert.equal(await page.getByRole('link', { name: 'Intrekken' }).count(), 0);

    // A consent asked for elsewhere (here: the API), not yet answered: its
    // record takes her answer.
    await api(page, 'POST', '/v1/consents', {
      consent: {
        trajectoryId: id, recipientOrganisationId: 'nidos', categories: ['DATA_CATEGORY_CONTACT'],
        purpose: 'PURPOSE_CARE_COORDINATION', method: 'CONSENT_METHOD_VERBAL',
        grantor: 'GRANTOR_PERSON',
        validUntil: new Date(Date.now() + 200 * 24 * 3600 * 1000).toISOString(),
      },
    });
    await page.reload();
    assert.match(await cell(page, 'Nidos', 'Contactgegevens'), /^Gevraagd, nog geen antwoord/);
    const asked = page.locator('li.consent-record').filter({ hasText: 'Nidos' });
    await Promise.all([
      page.waitForURL(/vastgelegd=1$/),
      asked.getByRole('button', { name: 'Zij weigert' }).click(),
    ]);
    assert.match(await cell(page, 'Nidos', 'Contactgegevens'), /^Geweigerd/);
    await expectAccessible(page, 'the consent page after her answer');

    // A trajectory not there (or another organisation's): nothing of it,
    // not an empty matrix.
    const unknown = await page.goto('/trajecten/00000000-0000-4000-8000-000000000000/toestemming');
    assert.equal(unknown.status(), 404);
    assert.equal(await page.getByRole('table').count(), 0);
    assert.equal(await page.locator('form[action$="/toestemming"]').count(), 0);
  }));
