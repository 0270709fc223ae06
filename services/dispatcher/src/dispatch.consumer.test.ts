import { expect, it } from 'vitest';
import { messageConcurrency } from './dispatch.consumer.js';

it('handles as many messages at once as asked, but never more than the launch slots', () => {
  expect(messageConcurrency(16, Number.POSITIVE_INFINITY)).toBe(16);
  expect(messageConcurrency(16, 2)).toBe(2);
  expect(messageConcurrency(1, 8)).toBe(1);
});
