import { MethodLabels, OTHER_METHOD } from './rpc-labels.js';

describe('MethodLabels', () => {
  it('keeps the names of the first methods and folds later ones into _OTHER', () => {
    const labels = new MethodLabels(2);
    expect(labels.label('a.v1.A/One')).toBe('a.v1.A/One');
    expect(labels.label('a.v1.A/Two')).toBe('a.v1.A/Two');
    expect(labels.label('a.v1.A/Three')).toBe(OTHER_METHOD);
    expect(labels.label('a.v1.A/One')).toBe('a.v1.A/One');
    expect(labels.label('b.v1.B/Four')).toBe(OTHER_METHOD);
  });

  it('tracks 100 methods by default', () => {
    const labels = new MethodLabels();
    const names = Array.from({ length: 150 }, (_, i) => labels.label(`x.v1.X/M${i}`));
    expect(new Set(names).size).toBe(101);
    expect(names[99]).toBe('x.v1.X/M99');
    expect(names[100]).toBe(OTHER_METHOD);
  });
});
