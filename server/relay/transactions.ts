/**
 * Lets a long-lived Y.Doc drop its finished transactions at once.
 *
 * Yjs (13.6) gathers a document's transactions in `doc._transactionCleanups`
 * and, once they are cleaned up, gives the document a new empty array; the
 * old one, with the last transaction in it, is left for the garbage
 * collector. On a relay that array was made when the document's previous
 * update arrived, often seconds earlier, so V8 has usually moved it to the old
 * generation by then: dead, but only collected by the next full collection.
 * Until then every young-generation collection treats what it points to as
 * alive, so the transaction, with its Maps, Sets and delete set, is copied
 * and then moved to the old generation too. With thousands of documents each
 * receiving an update now and then, that was most of what the relay moved to
 * the old generation (bench/README.md, eighth round): more full collections,
 * and a higher peak of memory between them.
 *
 * Emptying the array once Yjs is done with it (`afterAllTransactions` is its
 * last use) cuts that link, and the transaction dies young as it should.
 */
import type * as Y from 'yjs'

/** Empties Yjs' list of `doc`'s finished transactions as soon as they are cleaned up. */
export function releaseFinishedTransactions(doc: Y.Doc): void {
  doc.on('afterAllTransactions', emptyList)
}

function emptyList(_doc: Y.Doc, transactions: Y.Transaction[]): void {
  transactions.length = 0
}
