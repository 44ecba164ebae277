// Entry point for a process that only runs the workers: `node dist/worker.js` is `ROLE=worker node dist/main.js`.
process.env.ROLE = 'worker';
import './main';
