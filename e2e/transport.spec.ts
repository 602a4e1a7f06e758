import { test, expect, userContext, openDoc, docText, expectSaved } from './fixtures.js'
import { startProxy } from '../test/helpers/proxy.js'
import { upgradeStatus } from '../test/helpers/clients.js'

const relayPort = (url: string) => Number(new URL(url).port)

test('behind a proxy that blocks WebSocket upgrades, two browsers edit together over HTTP and say so', async ({ browser, relay, docName }) => {
  const proxy = await startProxy(relayPort(relay.url), { upgrades: false })
  try {
    // The README's check: an upgrade at /healthz through this proxy is not answered with 101.
    expect(await upgradeStatus(relayPort(proxy.url), '/healthz')).not.toBe(101)
    const viaProxy = { ...relay, url: proxy.url }
    const ada = await userContext(browser, 'Ada', '#e5484d')
    const bob = await userContext(browser, 'Bob', '#46a758')
    const pageA = await openDoc(ada, viaProxy, docName)
    const pageB = await openDoc(bob, viaProxy, docName)
    for (const page of [pageA, pageB]) {
      const status = page.locator('#status')
      await expect(status).toHaveAttribute('data-transport', /^(streaming|polling)$/)
      await expect(status).toContainText('HTTP')
      await expect(status).toHaveAttribute('title', /your proxy does not forward WebSocket upgrades; see the README/)
    }

    await pageA.locator('.ProseMirror').click()
    await pageA.keyboard.type('Typed behind a strict proxy.')
    await expect.poll(() => docText(pageB)).toBe('Typed behind a strict proxy.')
    await pageB.locator('.ProseMirror').click()
    await pageB.keyboard.press('End')
    await pageB.keyboard.type(' Answered the same way.')
    await expect.poll(() => docText(pageA)).toBe('Typed behind a strict proxy. Answered the same way.')
    await expectSaved(pageA)
    await expectSaved(pageB)
    await expect(pageA.locator('.ProseMirror-yjs-cursor', { hasText: 'Bob' })).toBeVisible()
    await ada.close()
    await bob.close()
  } finally {
    await proxy.close()
  }
})

test('behind a proxy that forwards upgrades, the editor uses WebSocket', async ({ browser, relay, docName }) => {
  const proxy = await startProxy(relayPort(relay.url), { upgrades: true })
  try {
    expect(await upgradeStatus(relayPort(proxy.url), '/healthz')).toBe(101)
    const viaProxy = { ...relay, url: proxy.url }
    const ada = await userContext(browser, 'Ada')
    const bob = await userContext(browser, 'Bob')
    const pageA = await openDoc(ada, viaProxy, docName)
    const pageB = await openDoc(bob, viaProxy, docName)
    for (const page of [pageA, pageB]) {
      const status = page.locator('#status')
      await expect(status).toHaveAttribute('data-transport', 'websocket')
      await expect(status).toHaveText('Connected')
      await expect(status).toHaveAttribute('title', '')
    }
    await pageA.locator('.ProseMirror').click()
    await pageA.keyboard.type('Over WebSocket.')
    await expect.poll(() => docText(pageB)).toBe('Over WebSocket.')
    await ada.close()
    await bob.close()
  } finally {
    await proxy.close()
  }
})

test('on the HTTP fallback, a relay that dies is reported offline within seconds, and nothing typed meanwhile is lost', async ({ browser, relay, docName }) => {
  const proxy = await startProxy(relayPort(relay.url), { upgrades: false })
  try {
    const viaProxy = { ...relay, url: proxy.url }
    const ada = await userContext(browser, 'Ada')
    const page = await openDoc(ada, viaProxy, docName)
    const status = page.locator('#status')
    await expect(status).toContainText('Connected · HTTP')
    await page.locator('.ProseMirror').click()
    await page.keyboard.type('Before the crash.')
    await expectSaved(page)

    await relay.stop({ kill: true })
    // RELAY_LOST_AFTER_MS (4 s) plus slack; before, it said "Connected" for the session's idle timeout (30 s).
    await expect(status).toContainText('Offline', { timeout: 9_000 })
    await page.keyboard.type(' Typed while offline.')

    await relay.start()
    await expect(status).toContainText('Connected · HTTP', { timeout: 20_000 })
    await expectSaved(page)
    const bob = await userContext(browser, 'Bob')
    const check = await openDoc(bob, viaProxy, docName)
    await expect.poll(() => docText(check)).toBe('Before the crash. Typed while offline.')
    await ada.close()
    await bob.close()
  } finally {
    await proxy.close()
  }
})
