// Regenerates the README's screenshots (docs/*.png): starts a relay on a free
// port with a throwaway data folder, opens one document in two browsers, and
// photographs the editor and the document list. `node scripts/screenshots.mjs`
import { chromium } from '@playwright/test'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-shots-'))
const relay = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] })
const port = await new Promise((resolve) => {
  createInterface({ input: relay.stdout }).on('line', (line) => {
    try {
      const entry = JSON.parse(line)
      if (entry.port) resolve(entry.port)
    } catch {}
  })
})
const url = `http://127.0.0.1:${port}`
const executablePath = process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] })
const person = async (name, color) => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 760 } })
  await context.addInitScript(([n, c]) => localStorage.setItem('tandem.user', JSON.stringify({ name: n, color: c })), [name, color])
  return context.newPage()
}
const ada = await person('Ada Lovelace', '#e5484d')
const grace = await person('Grace Hopper', '#0090ff')
for (const page of [ada, grace]) {
  await page.goto(`${url}/d/launch-plan`)
  await page.waitForSelector('#status[data-status=connected]')
}
await ada.fill('#title', 'Launch plan')
await ada.click('.ProseMirror')
await ada.keyboard.type('# Launch plan\nWe ship the **editor** on *Friday*. Everyone can edit this page at the same time.\n')
await ada.keyboard.type('## Checklist\n[ ] Relay stores every edit before relaying it\nEditor with presence and saved status\n\n')
await ada.keyboard.type('> Tandem never loses a keystroke.\n')
await ada.locator('.task-item input').first().click()
await grace.waitForFunction(() => window.tandem.view.state.doc.textContent.includes('keystroke'))
await grace.click('.ProseMirror h2')
await grace.keyboard.press('End')
await grace.keyboard.type(' for Friday')
await ada.waitForFunction(() => window.tandem.view.state.doc.textContent.includes('for Friday'))
await ada.waitForSelector('#save-status[data-save=saved]')
await ada.screenshot({ path: 'docs/screenshot-editor.png' })
await ada.goto(url + '/')
await ada.waitForSelector('.doc-list')
await ada.screenshot({ path: 'docs/screenshot-documents.png' })
await browser.close()
relay.kill('SIGTERM')
rmSync(dataDir, { recursive: true, force: true })
console.log('wrote docs/screenshot-editor.png and docs/screenshot-documents.png')
