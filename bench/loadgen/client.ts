/**
 * One simulated editor: a socket speaking the y-websocket sync protocol (in
 * the framing of the server under test). A writer holds a Y.Doc of its own
 * edits and produces real Yjs updates; a reader holds no document at all and
 * only names each update it receives (wire.updateId), which keeps thousands of
 * readers cheap enough to share the machine with the server.
 */
import * as Y from 'yjs'
import { SyncType } from '../../shared/protocol.js'
import { helloFrames, parseIncoming, socketUrl, syncFrame, updateId, type Target } from '../wire.js'
import { openLoadSocket, type LoadSocket } from './transports.js'

/** The empty update: what a reader answers to the server's step 1. */
const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc())
const EMPTY_STATE_VECTOR = Y.encodeStateVector(new Y.Doc())

export class LoadClient {
  readonly ws: LoadSocket
  /** Only writers hold a document. */
  readonly doc: Y.Doc | null
  /** Resolves once the server's first step 2 arrived. */
  readonly synced: Promise<void>
  private lastUpdate: Uint8Array | null = null

  /**
   * @param onUpdate called with the id (wire.updateId) of every live update
   *   this client receives, except a writer's own echoed back.
   */
  constructor(
    private readonly target: Target,
    /** The server port this client is connected to. */
    readonly port: number,
    private readonly docName: string,
    writer: boolean,
    onUpdate: (id: number, client: LoadClient) => void,
  ) {
    this.doc = writer ? new Y.Doc() : null
    this.doc?.on('update', (update: Uint8Array) => {
      this.lastUpdate = update
    })
    const ownPrefix = this.doc ? this.doc.clientID * 2 ** 21 : -1
    this.ws = openLoadSocket(socketUrl(target, port, docName))
    this.ws.binaryType = 'nodebuffer'
    this.synced = new Promise((resolve, reject) => {
      this.ws.once('error', reject)
      this.ws.once('close', (code: number) => reject(new Error(`closed with ${code} before sync`)))
      this.ws.on('open', () => {
        for (const frame of helloFrames(target, docName)) this.ws.send(frame)
        const sv = this.doc ? Y.encodeStateVector(this.doc) : EMPTY_STATE_VECTOR
        this.ws.send(syncFrame(target, docName, SyncType.STEP1, sv))
      })
      this.ws.on('message', (data: Buffer) => {
        const message = parseIncoming(target, data)
        switch (message.kind) {
          case 'step1': {
            const update = this.doc ? Y.encodeStateAsUpdate(this.doc, message.stateVector) : EMPTY_UPDATE
            this.ws.send(syncFrame(target, docName, SyncType.STEP2, update))
            break
          }
          case 'step2':
            resolve()
            break
          case 'update': {
            const id = updateId(message.update)
            // y-websocket and Hocuspocus echo a writer's update back to it.
            if (id >= 0 && (id < ownPrefix || id >= ownPrefix + 2 ** 21)) onUpdate(id, this)
            break
          }
          case 'other':
            break
        }
      })
    })
    // A failed connection is reported through `synced`; never crash the worker.
    this.synced.catch(() => undefined)
  }

  /** Types `text` at the end of the writer's document and sends the update; returns its id. */
  type(text: string): number {
    const doc = this.doc!
    const t = doc.getText('t')
    t.insert(t.length, text)
    const update = this.lastUpdate!
    this.ws.send(syncFrame(this.target, this.docName, SyncType.UPDATE, update))
    return updateId(update)
  }

  close(): void {
    this.ws.terminate()
    this.doc?.destroy()
  }
}
