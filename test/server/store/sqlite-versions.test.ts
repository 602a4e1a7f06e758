import { after } from 'node:test'
import { join } from 'node:path'
import { SqliteStore } from '../../../server/store/sqlite.js'
import { SqliteVersionStore } from '../../../server/store/sqlite-versions.js'
import { removeDir, tempDir } from '../../helpers/relay.js'
import { versionStoreContract } from './versions-contract.js'

const base = tempDir()
after(() => removeDir(base))
versionStoreContract('SQLite', async (key, retention) => {
  const store = new SqliteStore({ dataDir: join(base, key), durability: 'fsync' })
  return { store, versions: new SqliteVersionStore(store.database, retention) }
})
