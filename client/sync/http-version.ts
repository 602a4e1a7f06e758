/**
 * Which HTTP version the browser last used to reach an origin, as Resource
 * Timing reports it (`nextHopProtocol`). Long polling keeps two polls open
 * per tab; over HTTP/1.x a browser allows only six connections per host, so
 * a few tabs with two parked polls each would leave none for their uploads.
 * A PerformanceObserver sees every entry, even once the timing buffer is
 * full. Unknown (Node, or nothing observed yet) is null.
 */
const protocols = new Map<string, string>()
let observing = false

function observe(): void {
  if (observing) return
  observing = true
  if (typeof PerformanceObserver === 'undefined') return
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as PerformanceResourceTiming[]) {
        if (!entry.nextHopProtocol) continue
        try {
          protocols.set(new URL(entry.name).origin, entry.nextHopProtocol)
        } catch {
          // not a URL: not a request of ours
        }
      }
    }).observe({ type: 'resource', buffered: true })
  } catch {
    // no resource timing here
  }
}

/** Starts watching (call before the first request to `url`'s origin). */
export function watchHttpVersion(): void {
  observe()
}

/** True when the last request to the origin of `url` was known to go over HTTP/1.0 or 1.1. */
export function overHttp1(url: string): boolean {
  const protocol = protocols.get(new URL(url).origin)
  return protocol === 'http/1.1' || protocol === 'http/1.0'
}
