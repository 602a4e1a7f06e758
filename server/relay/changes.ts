/**
 * A Y.Doc's changes, each as one v1 update, like Yjs' `update` event, but
 * without encoding again what arrived already encoded.
 *
 * Yjs makes its `update` event's bytes at the end of every transaction while
 * anything listens, by encoding the transaction's new structs and deletions
 * again. On a relay almost every transaction applies one update a client sent,
 * and that update, once applied whole, already is those bytes (plus, at
 * most, content the document held before, which changes nothing wherever it
 * is applied again). Encoding it again was ~11 % of the relay's CPU under a
 * flood of small updates (bench/README.md, tenth round).
 *
 * So an update applied through `apply` stands for its own change when, after
 * it, nothing it carried is left waiting: Yjs held nothing back before
 * (pending structs or deletions, which this update might have released) and
 * holds nothing back after (structs or deletions of this update missing a
 * dependency). Otherwise, and for every other transaction (a restore, an
 * import, the title set over HTTP), Yjs' own encoding is used: its event is
 * listened to only for those transactions, decided as each one ends.
 */
import * as Y from 'yjs'

/** Receives a change: the update that makes it, and the transaction that made it. */
export type ChangeListener = (update: Uint8Array, transaction: Y.Transaction) => void

export class DocChanges {
  /** The transaction `apply` is running and the update it applies, until that transaction ends. */
  private own: { transaction: Y.Transaction; update: Uint8Array; whole: boolean } | null = null
  /** True while Yjs' `update` event is listened to (Yjs encodes only then). */
  private listening = false

  constructor(
    private readonly doc: Y.Doc,
    private readonly listener: ChangeListener,
    /** Transactions with this origin are not reported (nor encoded): loading a document is not a change. */
    private readonly quietOrigin: unknown,
  ) {
    doc.on('afterTransactionCleanup', this.transactionEnded)
  }

  /** Applies `update` with `origin` in one transaction; throws as Y.applyUpdate does. */
  apply(update: Uint8Array, origin: unknown): void {
    const store = this.doc.store
    // Inside another transaction, the transaction would hold more than this update.
    const alone = this.doc._transaction === null
    Y.transact(
      this.doc,
      (transaction) => {
        const nothingHeldBack = alone && store.pendingStructs === null && store.pendingDs === null
        this.own = { transaction, update, whole: false }
        Y.applyUpdate(this.doc, update)
        // Only reached when Yjs read the whole update: one that throws half way is not its own change.
        this.own.whole = nothingHeldBack
      },
      origin,
      false,
    )
  }

  /** Runs as a transaction ends, right before Yjs decides whether to encode it for its `update` event. */
  private readonly transactionEnded = (transaction: Y.Transaction): void => {
    const own = this.own
    this.own = null
    const store = this.doc.store
    const ownBytes =
      own !== null &&
      own.transaction === transaction &&
      own.whole &&
      store.pendingStructs === null &&
      store.pendingDs === null
    this.listen(!ownBytes && transaction.origin !== this.quietOrigin)
    if (ownBytes && changedAnything(transaction)) this.listener(own.update, transaction)
  }

  private listen(on: boolean): void {
    if (on === this.listening) return
    this.listening = on
    if (on) this.doc.on('update', this.yjsUpdate)
    else this.doc.off('update', this.yjsUpdate)
  }

  private readonly yjsUpdate = (update: Uint8Array, _origin: unknown, _doc: Y.Doc, transaction: Y.Transaction): void => {
    this.listener(update, transaction)
  }
}

/** Yjs' own test for whether a transaction has an update to emit: a deletion, or a new struct. */
function changedAnything(transaction: Y.Transaction): boolean {
  if (transaction.deleteSet.clients.size > 0) return true
  for (const [client, clock] of transaction.afterState) {
    if (transaction.beforeState.get(client) !== clock) return true
  }
  return false
}
