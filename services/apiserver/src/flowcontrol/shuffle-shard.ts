const MASK64 = (1n << 64n) - 1n;
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

/** FNV-1a, 64 bits, over the UTF-8 bytes. */
export function fnv1a64(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET;
  for (const b of bytes) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK64;
  return h;
}

/** A flow's identity for shuffle sharding: the schema's name and the distinguisher, kept apart by a NUL. */
export function flowHash(schemaName: string, distinguisher: string): bigint {
  return fnv1a64(Buffer.from(`${schemaName}\0${distinguisher}`, 'utf8'));
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
