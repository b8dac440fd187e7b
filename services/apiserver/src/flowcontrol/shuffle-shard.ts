const MASK64 = (1n << 64n) - 1n;
// FNV-1a's 64-bit offset basis, in 32-bit halves; the prime is 2^40 + 0x1b3
const OFFSET_HI = 0xcbf29ce4 | 0;
const OFFSET_LO = 0x84222325 | 0;
const PRIME_LO = 0x1b3;

/**
 * FNV-1a, 64 bits, over the UTF-8 bytes, in 32-bit integer halves rather than BigInt (a
 * BigInt per byte costs microseconds per request): h * prime = h * 0x1b3 + (h << 40), where
 * h << 40 only adds lo << 8 to the high half, and lo * 0x1b3 carries into it.
 */
export function fnv1a64(bytes: Uint8Array): bigint {
  let hi = OFFSET_HI;
  let lo = OFFSET_LO;
  for (let i = 0; i < bytes.length; i++) {
    lo ^= bytes[i];
    const carry = ((lo >>> 16) * PRIME_LO + (((lo & 0xffff) * PRIME_LO) >>> 16)) >>> 16;
    hi = (Math.imul(hi, PRIME_LO) + carry + (lo << 8)) | 0;
    lo = Math.imul(lo, PRIME_LO);
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
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
