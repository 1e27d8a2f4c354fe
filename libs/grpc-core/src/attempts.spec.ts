import { createContextValues } from '@connectrpc/connect';
import { attemptsKey, attemptsOf } from './attempts.js';

describe('attemptsOf', () => {
  it('counts a call no retry interceptor saw as one attempt', () => {
    expect(attemptsOf(createContextValues())).toBe(1);
  });

  it('reads what the retry interceptor counted', () => {
    expect(attemptsOf(createContextValues().set(attemptsKey, 3))).toBe(3);
  });
});
