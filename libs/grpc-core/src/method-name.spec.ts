import { fullMethodName } from './method-name.js';

describe('fullMethodName', () => {
  it('names the method after its service, and keeps each method apart', () => {
    const service = { typeName: 'greeter.v1.GreeterService' };
    const sayHello = { name: 'SayHello' };
    const sayBye = { name: 'SayBye' };
    expect(fullMethodName({ service, method: sayHello })).toBe('greeter.v1.GreeterService/SayHello');
    expect(fullMethodName({ service, method: sayBye })).toBe('greeter.v1.GreeterService/SayBye');
    expect(fullMethodName({ service, method: sayHello })).toBe('greeter.v1.GreeterService/SayHello');
  });
});
