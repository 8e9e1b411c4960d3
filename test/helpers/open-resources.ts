// Sockets, transports, nodes and processes a live test opens, closed after the test whether it
// passed or failed (uvu runs after.each hooks on failure too), so a failing test leaves nothing
// behind that would keep its process alive until the runner's time limit.

type Closable = { close(): unknown } | { stop(): unknown }

export class OpenResources {
  private readonly items: Closable[] = []

  /** Registers `item` to be closed after the current test; returns it. */
  add<T extends Closable>(item: T): T {
    this.items.push(item)
    return item
  }

  /** Closes everything registered, newest first; one that fails to close does not stop the rest. */
  async closeAll(): Promise<void> {
    for (const item of this.items.splice(0).reverse()) {
      try {
        await ('stop' in item ? item.stop() : item.close())
      } catch (error) {
        console.error(`closing after the test failed: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
}
