import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NodeCache } from './node-cache.ts'

const hash = (n: number) => Buffer.alloc(32, n)

test('keeps hashes of its levels by index, and nothing below its lowest level', () => {
  const cache = new NodeCache({ lowestLevel: 4, maxBytes: 1 << 20 })
  cache.set(4, 0, hash(1))
  cache.set(4, 5000, hash(2))
  cache.set(9, 3, hash(3))
  cache.set(3, 0, hash(4))
  assert.deepEqual(cache.get(4, 0), hash(1))
  assert.deepEqual(cache.get(4, 5000), hash(2))
  assert.deepEqual(cache.get(9, 3), hash(3))
  assert.equal(cache.get(4, 1), undefined, 'a slot never set is a miss, not zeros')
  assert.equal(cache.get(4, 1 << 20), undefined)
  assert.equal(cache.get(3, 0), undefined)
  assert.equal(cache.get(5, 0), undefined)
})

test('growing a level keeps what it held', () => {
  const cache = new NodeCache({ lowestLevel: 0, maxBytes: 1 << 24 })
  for (let i = 0; i < 10_000; i++) cache.set(0, i, hash(i % 251))
  for (let i = 0; i < 10_000; i += 997) assert.deepEqual(cache.get(0, i), hash(i % 251))
})

test('stops adding past its memory bound instead of growing without limit', () => {
  const cache = new NodeCache({ lowestLevel: 0, maxBytes: 1024 * 32 })
  cache.set(0, 10, hash(1))
  cache.set(0, 5000, hash(2))
  assert.deepEqual(cache.get(0, 10), hash(1))
  assert.equal(cache.get(0, 5000), undefined)
  assert.ok(cache.bytes <= 1024 * 32)
})
