import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Fifo } from '../src/storage/fifo';

describe('fifo', () => {
  test('gives items back in order across compactions, interleaved pushes and clear', () => {
    const q = new Fifo<number>();
    assert.equal(q.shift(), undefined);
    let pushed = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 700; i++) q.push(pushed++);
      for (let i = 0; i < 500; i++) assert.equal(q.shift(), expected++);
      assert.equal(q.length, pushed - expected);
    }
    while (q.length > 0) assert.equal(q.shift(), expected++);
    assert.equal(expected, pushed);
    assert.equal(q.shift(), undefined);
    q.push(1);
    q.push(2);
    q.clear();
    assert.equal(q.length, 0);
    assert.equal(q.shift(), undefined);
    q.push(3);
    assert.equal(q.shift(), 3);
  });
});
