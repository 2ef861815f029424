// The least a TCP relay can be: each accepted connection piped to the upstream both ways, no-delay sockets,
// nothing else, in a process of its own. bench/proxy.ts measures it beside the fault proxy as the floor of a
// relay hop on this machine. Usage: node bench/pipe-relay.mjs <upstream host:port>; prints "listening <port>".
import net from 'node:net';

const [host, port] = process.argv[2].split(':');
const server = net.createServer((c) => {
  const u = net.connect(Number(port), host);
  c.setNoDelay(true);
  u.setNoDelay(true);
  c.pipe(u);
  u.pipe(c);
  const end = () => {
    c.destroy();
    u.destroy();
  };
  c.on('error', end).on('close', end);
  u.on('error', end).on('close', end);
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
