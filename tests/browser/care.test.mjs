// Handoffs and shelter places in the browser (issue #14, screen 7): a
// coordinator hands a woman over to a lawyer and follows the handoff until
// she revokes it, keeps one as a draft and sends it later, and asks the
// crisis shelter for a bed; for a minor the crisis shelter is refused with
// its rule, its source and what to do instead (child protection).
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
const municipality = 'Gemeente Rotterdam (aandachtsfunctionaris mensenhandel)';

async function submit(page, name) {
  const [answer] = await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name, exact: true }).click(),
  ]);
  return answer;
}

async function register(page, identity, ageStatus) {
  const registered = await api(page, 'POST', '/v1/trajectories:registerPerson', {
    identity, ageStatus, consentToNotes: true, interpreterUsed: true,
  });
  return registered.trajectory.id;
}

// The shelter whose option starts with `name`: its free beds follow.
async function chooseShelter(page, name) {
  const choice = page.getByLabel('Welke opvang');
  const value = await choice.locator('option').filter({ hasText: name }).getAttribute('value');
  await choice.selectOption(value);
}

const handoffs = (page) => page.locator('#overdrachten ~ ul.care-records').first();

test('a handoff is sent, followed and revoked; a draft is sent later; a bed is asked for', () =>
  asPerson(file.browser, async (page) => {
    await logInAs(page, file.coordinator);
    const id = await register(page,
      { givenName: 'Grace', familyName: 'Okafor', nationality: 'NG', genderIdentity: 'GENDER_IDENTITY_WOMAN' },
      'AGE_STATUS_CONFIRMED_ADULT');

    await page.goto(`/trajecten/${id}`);
    const [opened] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('link', { name: 'Overdrachten en opvang' }).click(),
    ]);
    expectPrivatePage(opened, 'the handoffs page');
    assert.equal(await page.title(), 'Overdrachten en opvang — Ketenregie');
    assert.match(await page.locator('main').textContent(), /Nog geen overdrachten/);
    await expectAccessible(page, 'the handoffs page');

    // A handoff without a recipient: refused at the field, the message
    // kept as it was typed.
    const message = 'Zij heeft een advocaat nodig voor de aangifte en de B8-aanvraag.';
    await page.getByLabel('Waarvoor').selectOption({ label: 'Rechtshulp' });
    await page.getByLabel('Bericht aan de partner').fill(message);
    const refused = await submit(page, 'Overdracht versturen');
    assert.equal(refused.status(), 400);
    const alert = page.getByRole('alert');
    assert.match(await alert.textContent(), /Niet verstuurd/);
    assert.equal(await page.getByLabel('Aan welke partner').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Bericht aan de partner').inputValue(), message);
    assert.equal(await page.getByLabel('Waarvoor').inputValue(), 'HANDOFF_PURPOSE_LEGAL_AID');
    await expectAccessible(page, 'a refused handoff');

    // Sent: the lawyer has five days to answer, on the list and the time bar.
    await page.getByLabel('Aan welke partner').selectOption({ label: lawyer });
    await submit(page, 'Overdracht versturen');
    assert.match(page.url(), /\?gedaan=verstuurd#overdrachten$/);
    assert.match(await page.locator('main').textContent(), /De overdracht is verstuurd/);
    const sent = handoffs(page).locator('li').filter({ hasText: lawyer });
    assert.match(await sent.textContent(), /Verstuurd, wacht op antwoord/);
    assert.match(await sent.textContent(), /Antwoord verwacht uiterlijk .* \(over 5 dagen\)/);
    assert.match(await sent.textContent(), /Bericht: Zij heeft een advocaat nodig/);
    await page.goto(`/trajecten/${id}`);
    assert.match(await page.locator('.time-bar').first().textContent(), /Overdracht, wacht op antwoord/);

    // Revoked, with a reason the partner reads.
    await page.goto(`/trajecten/${id}/overdrachten`);
    await sent.getByText(`Intrekken: overdracht aan ${lawyer}`).click();
    await sent.getByLabel('Waarom (de partner leest dit)').fill('Zij koos zelf een andere advocaat.');
    await Promise.all([
      page.waitForNavigation(),
      sent.getByRole('button', { name: `Overdracht intrekken aan ${lawyer}` }).click(),
    ]);
    assert.match(await page.locator('main').textContent(), /De overdracht is ingetrokken/);
    const revoked = handoffs(page).locator('li').filter({ hasText: lawyer });
    assert.match(await revoked.textContent(), /Ingetrokken/);
    assert.match(await revoked.textContent(), /Reden: Zij koos zelf een andere advocaat\./);
    assert.equal(await revoked.getByText(/^Intrekken/).count(), 0);

    // A draft: nobody else sees it until it is sent.
    await page.getByLabel('Aan welke partner').selectOption({ label: municipality });
    await page.getByLabel('Waarvoor').selectOption({ label: 'Gemeente (ondersteuning)' });
    await page.getByLabel('Bericht aan de partner').fill('Verzoek om een uitkering en huisvesting.');
    await submit(page, 'Als concept bewaren');
    const draft = handoffs(page).locator('li').filter({ hasText: municipality });
    assert.match(await draft.textContent(), /Concept, nog niet verstuurd/);
    await Promise.all([
      page.waitForNavigation(),
      draft.getByRole('button', { name: `Versturen aan ${municipality}` }).click(),
    ]);
    assert.match(await handoffs(page).locator('li').filter({ hasText: municipality }).textContent(),
      /Verstuurd, wacht op antwoord/);
    // The newest first.
    assert.ok((await handoffs(page).locator('li').first().textContent()).includes(municipality));
    assert.ok((await handoffs(page).locator('li').last().textContent()).includes(lawyer));

    // A bed in the crisis shelter: its free beds on the board, no address.
    const board = page.getByRole('table', { name: /Vrije bedden/ });
    assert.match(await board.textContent(), /Crisisopvang Rotterdam/);
    await chooseShelter(page, 'Crisisopvang Rotterdam (Crisisopvang)');
    await submit(page, 'Opvangplek aanvragen');
    assert.match(page.url(), /\?gedaan=aangevraagd#plaatsingen$/);
    const place = page.locator('#plaatsingen ~ ul.care-records').first().locator('li');
    assert.match(await place.textContent(), /Aangevraagd, wacht op de opvang/);
    assert.match(await place.textContent(), /Drie maanden om op/);
    assert.doesNotMatch(await page.locator('main').textContent(), /geheim adres/);
    await expectAccessible(page, 'the handoffs page with handoffs and a placement');
    await page.screenshot({ path: `${screenshots}overdrachten-en-opvang.png`, fullPage: true });
  }));

test('a crisis placement is refused for a minor, with its rule and what to do instead', () =>
  asPerson(file.browser, async (page) => {
    await logInAs(page, file.coordinator);
    const id = await register(page,
      { givenName: 'Adaeze', familyName: 'Nwosu', nationality: 'NG', genderIdentity: 'GENDER_IDENTITY_WOMAN' },
      'AGE_STATUS_MINOR');
    await page.goto(`/trajecten/${id}/overdrachten`);
    await chooseShelter(page, 'Crisisopvang Rotterdam (Crisisopvang)');
    await page.getByLabel('Kinderen die meekomen').fill('0');
    const refused = await submit(page, 'Opvangplek aanvragen');
    assert.equal(refused.status(), 400);
    const alert = page.getByRole('alert');
    const said = await alert.textContent();
    assert.match(said, /Niet aangevraagd/);
    assert.match(said, /Crisisopvang is voor personen die zich als vrouw identificeren, van 18 jaar/);
    assert.match(said, /Regel R-CRISIS-ELIGIBILITY — bron: /);
    assert.match(said, /Wat u wel kunt doen: haar overdragen aan jeugdbescherming/);
    // The form comes back as it was filled in; nothing was asked.
    assert.match(await page.getByLabel('Welke opvang').locator('option:checked').textContent(),
      /^Crisisopvang Rotterdam \(Crisisopvang\)/);
    assert.equal(await page.getByLabel('Kinderen die meekomen').inputValue(), '0');
    assert.match(await page.locator('main').textContent(), /Nog geen opvangplek aangevraagd/);
    await expectAccessible(page, 'a refused placement');
    await page.screenshot({ path: `${screenshots}opvang-geweigerd.png`, fullPage: true });

    // The hint leads to the handoff form, child protection chosen (not in
    // the address: that would say she is a minor).
    await alert.getByRole('link', { name: 'haar overdragen aan jeugdbescherming' }).click();
    assert.match(page.url(), /\/overdrachten\/?#overdragen$|\/opvang#overdragen$/);
    assert.doesNotMatch(page.url(), /JEUGD|CHILD|doel=/i);
    assert.equal(await page.getByLabel('Waarvoor').inputValue(), 'HANDOFF_PURPOSE_CHILD_PROTECTION');
    await page.getByLabel('Aan welke partner').selectOption({ label: 'Nidos' });
    await submit(page, 'Overdracht versturen');
    assert.match(await handoffs(page).locator('li').filter({ hasText: 'Nidos' }).textContent(),
      /Jeugdbescherming.*Verstuurd, wacht op antwoord/s);

    // An adult man: not the crisis shelter, which says to choose another
    // kind; a COSM place is asked for, then cancelled.
    const man = await register(page,
      { givenName: 'Ion', familyName: 'Popescu', nationality: 'RO', genderIdentity: 'GENDER_IDENTITY_MAN' },
      'AGE_STATUS_CONFIRMED_ADULT');
    await page.goto(`/trajecten/${man}/overdrachten`);
    await chooseShelter(page, 'Crisisopvang Rotterdam (Crisisopvang)');
    await submit(page, 'Opvangplek aanvragen');
    assert.match(await page.getByRole('alert').textContent(),
      /Regel R-CRISIS-ELIGIBILITY.*Wat u wel kunt doen: kies hieronder een categorale opvang/s);
    await chooseShelter(page, 'COSM Demo (Categorale opvang (COSM))');
    await submit(page, 'Opvangplek aanvragen');
    const cosm = page.locator('#plaatsingen ~ ul.care-records').first().locator('li');
    assert.match(await cosm.textContent(), /COSM Demo.*Aangevraagd, wacht op de opvang/s);
    assert.doesNotMatch(await cosm.textContent(), /Drie maanden/, 'no three months outside the crisis shelter');
    await cosm.locator('summary').click();
    await cosm.getByLabel('Waarom').fill('Hij gaat naar familie.');
    assert.equal(await cosm.locator('button[type=submit]').textContent(),
      'Aanvraag annuleren: COSM Demo');
    await Promise.all([
      page.waitForNavigation(),
      cosm.locator('button[type=submit]').click(),
    ]);
    assert.match(await page.locator('main').textContent(), /De aanvraag is geannuleerd/);
    assert.match(await page.locator('#plaatsingen ~ ul.care-records').first().textContent(),
      /Geannuleerd/);
    await expectAccessible(page, 'a cancelled placement request');

    // A trajectory not there (or another organisation's): nothing of it.
    const unknown = await page.goto('/trajecten/00000000-0000-4000-8000-000000000000/overdrachten');
    assert.equal(unknown.status(), 404);
    assert.equal(await page.locator('form[action$="/overdrachten"]').count(), 0);
    assert.equal(await page.getByRole('table').count(), 0);
  }));
