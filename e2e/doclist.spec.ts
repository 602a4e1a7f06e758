/**
 * Rename and delete from the document list, seen live by a peer who has the
 * document open in another browser context.
 */
import { test, expect, userContext, openDoc, docText, expectSaved } from './fixtures.js'

test('renaming from the document list shows the new title in a peer’s open editor', async ({ browser, relay, docName }) => {
  const bob = await openDoc(await userContext(browser, 'Bob', '#e5484d'), relay, docName)
  await bob.locator('#title').fill('Draft plan')
  await bob.locator('.ProseMirror').click()
  await bob.keyboard.type('Body text')
  await expectSaved(bob)

  const ada = await (await userContext(browser, 'Ada')).newPage()
  await ada.goto(relay.url)
  const row = ada.locator(`tr[data-doc="${docName}"]`)
  await expect(row.locator('a')).toHaveText('Draft plan')
  await row.locator('.rename-doc').click()
  await expect(ada.locator('dialog.prompt input')).toHaveValue('Draft plan')
  await ada.locator('dialog.prompt input').fill('Final plan')
  await ada.locator('dialog.prompt button.primary').click()
  await expect(row.locator('a')).toHaveText('Final plan')

  // Bob sees it live, as if someone had typed it.
  await expect(bob.locator('#title')).toHaveValue('Final plan')
  await expect(bob).toHaveTitle('Final plan – Tandem')
  expect(await docText(bob)).toBe('Body text')
  // The list reads it back from the relay.
  await ada.reload()
  await expect(ada.locator(`tr[data-doc="${docName}"] a`)).toHaveText('Final plan')
})

test('deleting asks first, removes the document from the list, and tells a peer who has it open', async ({ browser, relay, docName }) => {
  const bob = await openDoc(await userContext(browser, 'Bob', '#e5484d'), relay, docName)
  await bob.locator('#title').fill('Old notes')
  await bob.locator('.ProseMirror').click()
  await bob.keyboard.type('Soon gone')
  await expectSaved(bob)
  // (Listed, not opened: an open connection would block deleting the database.)
  const offlineDatabases = () => bob.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))
  expect(await offlineDatabases()).toContain(`tandem:${docName}`)

  const ada = await (await userContext(browser, 'Ada')).newPage()
  await ada.goto(relay.url)
  const row = ada.locator(`tr[data-doc="${docName}"]`)
  await expect(row).toBeVisible()

  // Cancelling changes nothing.
  await row.locator('.delete-doc').click()
  await expect(ada.locator('dialog.confirm')).toContainText('Delete “Old notes”?')
  await ada.locator('dialog.confirm button', { hasText: 'Cancel' }).click()
  await expect(ada.locator('dialog.confirm')).toHaveCount(0)
  await expect(bob.locator('#status')).toHaveAttribute('data-status', 'connected')

  await row.locator('.delete-doc').click()
  await ada.locator('dialog.confirm button.danger').click()
  await expect(row).toHaveCount(0)
  await expect(ada.locator('#list-status')).toHaveText('Deleted “Old notes”')

  // Bob is told, cannot type into it, and keeps no copy that could bring it back.
  await expect(bob.locator('#deleted-banner')).toContainText('This document was deleted')
  await expect(bob.locator('#status')).toHaveText('Deleted')
  await expect(bob.locator('.share-button')).toHaveCount(0)
  await expect(bob.locator('#file-menu')).toBeHidden()
  expect(await bob.evaluate(() => (window as any).tandem.view.editable)).toBe(false)
  expect(await bob.evaluate(() => (window as any).tandem.provider.shouldConnect)).toBe(false)
  await expect.poll(offlineDatabases).not.toContain(`tandem:${docName}`)

  // Gone from the list for good, and the name opens an empty document.
  await ada.reload()
  await expect(ada.locator('.doc-list, body')).not.toContainText('Old notes')
  const carol = await openDoc(await userContext(browser, 'Carol', '#30a46c'), relay, docName)
  expect(await docText(carol)).toBe('')
  await expect(carol.locator('#title')).toHaveValue('')
})

test('a peer’s open History panel lists the version someone else just named', async ({ browser, relay, docName }) => {
  const ada = await openDoc(await userContext(browser, 'Ada'), relay, docName)
  const bob = await openDoc(await userContext(browser, 'Bob', '#e5484d'), relay, docName)
  await ada.locator('.ProseMirror').click()
  await ada.keyboard.type('Worth keeping')
  await expectSaved(ada)

  await bob.locator('.file-menu summary').click()
  await bob.locator('#open-history').click()
  await expect(bob.locator('#history')).toBeVisible()
  await expect(bob.locator('.version-list button', { hasText: 'Milestone' })).toHaveCount(0)

  await ada.locator('.file-menu summary').click()
  await ada.locator('#name-version').click()
  await ada.locator('dialog.prompt input').fill('Milestone')
  await ada.locator('dialog.prompt button.primary').click()
  await expect(ada.locator('.file-status')).toHaveText('Saved version “Milestone”')

  // Bob did nothing: the relay told his page.
  await expect(bob.locator('.version-list button', { hasText: 'Milestone' })).toBeVisible()
})
