import { createHash } from 'node:crypto';

const MASK64 = (1n << 64n) - 1n;

/** A flow's identity for shuffle sharding, as upstream's hashFlowID: SHA-256 of schema, NUL, distinguisher; the first 8 bytes little-endian. */
export function flowHash(schemaName: string, distinguisher: string): bigint {
  return createHash('sha256').update(schemaName).update('\0').update(distinguisher).digest().readBigUInt64LE(0);
}

/**
 * Shuffle sharding as upstream's Dealer does it: the hash is read as mixed-radix
 * digits (deckSize, deckSize-1, ...), each picking one of the cards not yet dealt,
 * so a flow always gets the same distinct handSize queues out of deckSize.
 */
export function dealHand(hash: bigint, deckSize: number, handSize: number): number[] {
  if (handSize < 1 || deckSize < 1 || handSize > deckSize) {
    throw new Error(`invalid shuffle sharding: deckSize ${deckSize}, handSize ${handSize}`);
  }
  const remainders: number[] = [];
  let h = hash & MASK64;
  for (let i = 0; i < handSize; i++) {
    const radix = BigInt(deckSize - i);
    remainders.push(Number(h % radix));
    h /= radix;
  }
  const hand: number[] = [];
  for (let i = 0; i < handSize; i++) {
    let card = remainders[i];
    // skip over the cards dealt before, smallest first, so the result is distinct
    for (let j = i; j > 0; j--) if (card >= remainders[j - 1]) card++;
    hand.push(card);
  }
  return hand;
}
