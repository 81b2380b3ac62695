export { type Clock, FakeClock, systemClock } from './clock.js';
