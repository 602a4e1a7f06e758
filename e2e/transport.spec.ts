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

// Long polling keeps a second poll parked while edits flow, but only where the browser does not
// share six connections per host among all its tabs (HTTP/1.1): it learns the version from
// Resource Timing. A proxy that buffers responses puts the browser on long polling.
for (const http2 of [true, false]) {
  const version = http2 ? 'HTTP/2' : 'HTTP/1.1'
  test(`long polling over ${version} ${http2 ? 'keeps a second poll parked while edits flow' : 'keeps one poll per tab'}`, async ({ browser, relay, docName }) => {
    const proxy = await startProxy(relayPort(relay.url), { upgrades: false, buffering: true, http2 })
    try {
      const viaProxy = { ...relay, url: proxy.url }
      const ada = await userContext(browser, 'Ada', '#e5484d', { ignoreHTTPSErrors: http2 })
      // Counts the polls waiting for their answer (the proxy sends an answer's headers with its body).
      await ada.addInitScript(() => {
        const polls = { outstanding: 0, most: 0, sent: 0 }
        Object.assign(window, { polls })
        const realFetch = window.fetch
        window.fetch = function (input: RequestInfo | URL, init?: RequestInit) {
          if (!String(input instanceof Request ? input.url : input).includes('/poll?')) return realFetch.call(this, input, init)
          polls.sent++
          polls.most = Math.max(polls.most, ++polls.outstanding)
          return realFetch.call(this, input, init).finally(() => polls.outstanding--)
        }
      })
      const bob = await userContext(browser, 'Bob')
      const pageA = await openDoc(ada, viaProxy, docName)
      await expect(pageA.locator('#status')).toHaveAttribute('data-transport', 'polling')
      const protocol = await pageA.evaluate(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).at(-1)?.nextHopProtocol)
      expect(protocol).toBe(http2 ? 'h2' : 'http/1.1')

      // Bob edits over WebSocket, straight to the relay: Ada's polls bring his keystrokes.
      const pageB = await openDoc(bob, relay, docName)
      await pageB.locator('.ProseMirror').click()
      const text = 'Keystrokes arrive while Ada long-polls.'
      await pageB.keyboard.type(text, { delay: 40 })
      await expect.poll(() => docText(pageA)).toBe(text)

      const polls = await pageA.evaluate(() => (window as unknown as { polls: { most: number; sent: number } }).polls)
      expect(polls.sent).toBeGreaterThan(text.length / 4)
      expect(polls.most).toBe(http2 ? 2 : 1)
      await ada.close()
      await bob.close()
    } finally {
      await proxy.close()
    }
  })
}
