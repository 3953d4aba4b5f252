import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, waitFor } from '../support/services.ts';
import { startConsoleHarness, type ConsoleHarness } from '../support/browser.ts';

// "My tasks" in a browser (issue 11, item 5): a rep picks themselves as the owner, sees
// their tasks with the lead and due date, and completes one with a note.

const CADENCE = {
  name: 'Tasks e2e',
  nurture: { steps: [{ after: 'PT1S', channel: 'task', title: '担当者に電話する' }] },
  sendWindow: null,
};

describe('console in a browser: my tasks', () => {
  let h: ConsoleHarness;
  const leadIds: string[] = [];

  beforeAll(async () => {
    h = await startConsoleHarness();
    expect(
      (await h.app.inject({ method: 'PUT', url: '/v1/cadences/tasks-e2e', headers: auth, payload: CADENCE }))
        .statusCode,
    ).toBe(201);
    for (const [i, [name, owner]] of [
      ['山田太郎', 'rep-a@example.jp'],
      ['佐藤花子', 'rep-a@example.jp'],
      ['鈴木一郎', 'rep-b@example.jp'],
    ].entries()) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: {
          email: `tasks-${i}@example.jp`,
          name,
          company: `タスク商事${i}`,
          cadence: 'tasks-e2e',
          ownerEmail: owner,
        },
      });
      leadIds.push(res.json<{ id: string }>().id);
    }
    await waitFor(
      async () => (await h.pool.query("SELECT 1 FROM tasks WHERE kind = 'todo' AND status = 'open'")).rowCount === 3,
      'three tasks',
    );
  });
  afterAll(async () => h.stop());

  it("lists a rep's own tasks with lead and due date, and completes one with a note", async () => {
    const page = await h.signedInPage(await h.keyFor('sales'), { lang: 'ja' });
    await page.goto('/');
    await Promise.all([page.waitForURL('**/tasks'), page.getByRole('link', { name: 'マイタスク' }).click()]);
    expect(await page.locator('tbody tr').count()).toBe(3);
    await page.getByLabel('担当者', { exact: true }).selectOption('rep-a@example.jp');
    await Promise.all([page.waitForURL('**/tasks?owner=*'), page.getByRole('button', { name: '表示' }).click()]);
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await page.locator('tbody').textContent()).toContain('タスク商事0 山田太郎');
    expect(await rows.first().locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T09:00:00\.000Z$/);
    expect(await h.screenshotBothWidths(page, 'my-tasks')).toBeLessThanOrEqual(0);

    const row = page.locator('tbody tr', { hasText: '山田太郎' });
    await row.getByPlaceholder('メモ (任意)').fill('来週デモ');
    await Promise.all([page.waitForURL('**/tasks?*completed=1'), row.getByRole('button', { name: /^完了/ }).click()]);
    expect(await page.locator('[role="status"]').textContent()).toContain('タスクを完了にしました');
    // Still filtered to the rep's own open tasks: one left.
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('tbody').textContent()).not.toContain('山田太郎');

    const done = await h.pool.query("SELECT note FROM tasks WHERE kind = 'todo' AND status = 'done' AND lead_id = $1", [
      leadIds[0],
    ]);
    expect(done.rows).toEqual([{ note: '来週デモ' }]);
    const entry = await h.pool.query("SELECT detail FROM timeline WHERE lead_id = $1 AND kind = 'task_completed'", [
      leadIds[0],
    ]);
    expect(entry.rows[0]?.detail).toMatchObject({ note: '来週デモ', owner: 'rep-a@example.jp' });
    await page.close();
  });
});
