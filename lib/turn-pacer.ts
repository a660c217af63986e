// Spreads a burst of one kind of work over turns of the event loop. A thousand pages
// that reconnect at once (a network blip, a proxy restart) would otherwise all be set
// up in the few turns their requests arrive in, and their old connections' leaves all
// recorded in the one turn their grace ends, while the sends, pushes and pings of
// everyone else wait behind them. At most `perTurn` pieces go on in one turn; the rest
// wait, in arrival order, for the next turns, while other work runs between. A waiting
// piece holds only its callback.

/** Calls each `go` now, or in a later turn once this turn has let `perTurn` through. */
export type TurnPacer = (go: () => void) => void;

export function createTurnPacer(perTurn: number): TurnPacer {
  const waiting: (() => void)[] = [];
  let head = 0;
  let passed = 0;
  let scheduled = false;

  const nextTurn = () => {
    scheduled = false;
    passed = 0;
    while (passed < perTurn && head < waiting.length) {
      passed += 1;
      const go = waiting[head]!;
      waiting[head++] = noop;
      go();
    }
    if (head === waiting.length) {
      waiting.length = 0;
      head = 0;
    }
    // Counts are per turn: the next turn starts from zero (and takes what still waits).
    if (passed > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(nextTurn);
  };

  return (go) => {
    schedule();
    if (passed < perTurn && head === waiting.length) {
      passed += 1;
      go();
      return;
    }
    waiting.push(go);
  };
}

function noop(): void {}
