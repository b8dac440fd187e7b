import { randomBytes } from 'node:crypto';

// Same alphabet as upstream's utilrand: no vowels, no confusable digits.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const RANDOM_LENGTH = 5;
const MAX_GENERATED_NAME_LENGTH = 63;

export function generateName(base: string): string {
  const prefix =
    base.length > MAX_GENERATED_NAME_LENGTH - RANDOM_LENGTH
      ? base.slice(0, MAX_GENERATED_NAME_LENGTH - RANDOM_LENGTH)
      : base;
  const bytes = randomBytes(RANDOM_LENGTH);
  let suffix = '';
  for (const b of bytes) suffix += ALPHABET[b % ALPHABET.length];
  return prefix + suffix;
}
