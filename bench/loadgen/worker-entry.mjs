// Worker threads do not inherit tsx's module hooks from the main thread, so
// the worker registers them itself before loading its TypeScript.
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')
