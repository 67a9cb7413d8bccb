// Sharing without consent, on a legal basis, in the browser (issue #14,
// screen 6): coordinator-2 asks for it for acute danger — it acts at once
// and her caseload flags it until approved —, cannot approve her own (the
// page says so, and the service refuses a forged decision with
// R-OVERRIDE-FOUR-EYES), and coordinator-1, in a browser context of his
// own, approves it from the approval queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  api,
  asPerson,
  coordinatorOne,
  expectAccessible,
  expectPrivatePage,
  logInAs,
  screenshots,
  webUrl,
  workspaceFile,
} from './support.mjs';

const file = workspaceFile();
const police = 'Politie Rotterdam, AVIM';

async function submit(page, name) {
  const [answer] = await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name }).click(),
  ]);
  return answer;
}

test('an acute override acts at once, and only a second coordinator approves it', () =>
  asPerson(file.browser, async (requester) => {
    await logInAs(requester, file.coordinator);
    const registered = await api(requester, 'POST', '/v1/trajectories:registerPerson', {
      identity: { givenName: 'Ewa', familyName: 'Nowak', nationality: 'PL' },
      ageStatus: 'AGE_STATUS_CONFIRMED_ADULT', consentToNotes: true, interpreterUsed: true,
    });
    const id = registered.trajectory.id;

    // Asked for on her consent page: the police may know where she is,
    // for the investigation, now (acute danger).
    await requester.goto(`/trajecten/${id}/toestemming`);
    await requester.getByLabel('Waarom is delen zonder haar toestemming nodig')
      .fill('De uitbuiter zoekt haar; de politie moet weten waar zij verblijft.');
    await requester.getByLabel('Aan welke partner').selectOption({ label: police });
    await requester.locator('#override-categorieen').getByLabel('Verblijfplaats').check();
    await requester.locator('#override-doel').selectOption({ label: 'Opsporing' });
    const until = new Date(Date.now() + 30 * 24 * 3600 * 1000);
    const expiry = requester.getByRole('group', { name: 'Vervalt op' });
    await expiry.getByLabel('Dag').fill(String(until.getDate()));
    await expiry.getByLabel('Maand').fill(String(until.getMonth() + 1));
    await expiry.getByLabel('Jaar').fill(String(until.getFullYear()));
    await requester.getByLabel(/Acuut gevaar/).check();
    // Without its basis it is refused at the field, and comes back as filled in.
    const refused = await submit(requester, 'Grondslag aanvragen');
    assert.equal(refused.status(), 400);
    assert.equal(await requester.getByLabel('Grondslag').getAttribute('aria-invalid'), 'true');
    assert.match(await requester.getByLabel('Waarom is delen zonder haar toestemming nodig')
      .inputValue(), /De uitbuiter zoekt haar/);
    assert.equal(await requester.getByLabel('Aan welke partner').inputValue(), 'politie-avim-rotterdam');
    assert.ok(await requester.locator('#override-categorieen').getByLabel('Verblijfplaats').isChecked());
    assert.equal(await requester.locator('#override-doel').inputValue(), 'PURPOSE_CRIMINAL_INVESTIGATION');
    assert.equal(await expiry.getByLabel('Jaar').inputValue(), String(until.getFullYear()));
    assert.ok(await requester.getByLabel(/Acuut gevaar/).isChecked());
    // The consent form above it keeps its own defaults.
    assert.ok(await requester.getByLabel('Mondeling', { exact: true }).isChecked());
    assert.ok(await requester.getByLabel('De cliënt zelf', { exact: true }).isChecked());
    await expectAccessible(requester, 'the override form, refused');
    await requester.getByLabel('Grondslag').selectOption({ label: 'Vitaal belang: acuut gevaar' });
    const asked = await submit(requester, 'Grondslag aanvragen');
    expectPrivatePage(asked, 'the consent page');
    assert.match(requester.url(), /\/toestemming\?aangevraagd=1#overrides$/,
      await requester.locator('main').textContent());
    const overrides = requester.locator('#overrides ~ ul.consent-records');
    assert.match(await overrides.textContent(), /Acuut: geldt al, goedkeuring nodig/);
    assert.match(await overrides.textContent(), /Goedkeuring nodig vóór/);
    await expectAccessible(requester, 'the consent page with an override');

    // Her caseload flags it until a second coordinator decides.
    await requester.goto('/trajecten');
    const row = requester.getByRole('row').filter({
      has: requester.getByRole('link', { name: `Traject ${id.slice(0, 8)}` }),
    });
    assert.match(await row.textContent(), /Acuut gevaar: goedkeuring nodig/);

    // The queue: she asked for it, so she does not decide it.
    await requester.goto('/goedkeuringen');
    const own = requester.locator('li.approval').filter({ hasText: `Traject ${id.slice(0, 8)}` });
    assert.match(await own.textContent(), /U vroeg dit zelf aan/);
    assert.equal(await own.getByRole('button', { name: 'Goedkeuren' }).count(), 0);
    // A decision forged with her session's token: the service refuses it.
    const { overrides: [o] } = await api(requester, 'GET', `/v1/trajectories/${id}/overrides`);
    // Through /v1 too, a list may ask only for what it shows (AIP-157).
    const { overrides: [masked] } = await api(requester, 'GET',
      `/v1/trajectories/${id}/overrides?readMask=trajectoryId,state`);
    assert.deepEqual(masked, { trajectoryId: id, state: 'OVERRIDE_STATE_ACTIVE_PENDING_APPROVAL' });
    const csrf = await requester.locator('input[name=csrf]').first().inputValue();
    const forged = await requester.request.post(`/goedkeuringen/${o.id}/goedkeuren`, {
      headers: { Origin: new URL(webUrl).origin, 'Sec-Fetch-Site': 'same-origin' },
      form: { csrf, etag: o.etag, verzoek: randomUUID() },
    });
    assert.equal(forged.status(), 403);
    assert.match(await forged.text(), /R-OVERRIDE-FOUR-EYES/);

    // Coordinator-1, in a browser context of his own, approves it.
    const second = await coordinatorOne(file.browser);
    await asPerson(file.browser, async (approver) => {
      await logInAs(approver, second);
      const queue = await approver.goto('/goedkeuringen');
      expectPrivatePage(queue, 'the approval queue');
      assert.equal(await approver.title(), 'Goedkeuringen — Ketenregie');
      const item = approver.locator('li.approval').filter({ hasText: `Traject ${id.slice(0, 8)}` });
      assert.match(await item.textContent(), /De uitbuiter zoekt haar/);
      assert.match(await item.textContent(), /Aangevraagd doorcoordinator-2/);
      await expectAccessible(approver, 'the approval queue');
      await approver.screenshot({ path: `${screenshots}goedkeuringen.png`, fullPage: true });
      await Promise.all([
        approver.waitForURL('**/goedkeuringen?besluit=goedgekeurd'),
        item.getByRole('button', { name: 'Goedkeuren' }).click(),
      ]);
      assert.match(await approver.locator('.notice').textContent(), /Goedgekeurd/);
      assert.equal(await item.count(), 0);
    });

    // Approved: the flag is gone, the consent page says who decided.
    await requester.goto('/trajecten');
    assert.doesNotMatch(await row.textContent(), /Acuut gevaar/);
    await requester.goto(`/trajecten/${id}/toestemming`);
    assert.match(await overrides.textContent(), /Goedgekeurd, geldt.*beslist door coordinator-1/s);
  }));
