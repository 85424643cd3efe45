// A JeroMQ (pure-Java ZeroMQ, ZMTP 2.0) peer for the interop tests: the
// line protocol of tests/interop/_peer_core.mjs, so the pattern table of
// _harness.ts runs against it. One JSON request a line on stdin, one answer
// a line on stdout; frames travel base64-encoded.
//
// Ops: new {type, options} -> {sock}; bind {sock, endpoint} -> {endpoint};
// connect {sock, endpoint}; send {sock, msg}; recv {sock} -> {msg};
// subscribe/unsubscribe {sock, topic}; events {sock} -> {counts} (none are
// counted); close {sock}; exit. Options: receiveTimeout, sendTimeout,
// linger, routingId, mandatory; any other is refused (JeroMQ 0.3.6 has no
// correlate, relaxed or probeRouter). The process exits when stdin closes.
//
// JeroMQ sockets are not thread-safe: each one lives in a thread of its own
// that takes the requests for it in order. A pending recv does not hold that
// thread (the harness subscribes while a receive is pending): it polls
// between requests until its receiveTimeout.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;
import zmq.ZError;

public final class JeromqPeer {
  static final ZMQ.Context CTX = ZMQ.context(1);
  static final Map<Integer, Worker> SOCKS = new ConcurrentHashMap<>();
  static int nextSock = 1;

  static final Map<String, Integer> TYPES = Map.ofEntries(
      Map.entry("Pair", ZMQ.PAIR), Map.entry("Publisher", ZMQ.PUB), Map.entry("Subscriber", ZMQ.SUB),
      Map.entry("Request", ZMQ.REQ), Map.entry("Reply", ZMQ.REP), Map.entry("Dealer", ZMQ.DEALER),
      Map.entry("Router", ZMQ.ROUTER), Map.entry("Pull", ZMQ.PULL), Map.entry("Push", ZMQ.PUSH),
      Map.entry("XPublisher", ZMQ.XPUB), Map.entry("XSubscriber", ZMQ.XSUB));

  public static void main(String[] args) throws Exception {
    say("{\"ready\":true,\"peer\":\"jeromq\"}");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null;) {
      line = line.trim();
      if (line.isEmpty()) continue;
      Map<String, Object> req = asMap(new Json(line).value());
      if (handle(req)) break;
    }
    // Exit without waiting for sockets or the context: the tests are done with us.
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }

  static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  static void ok(Object id, String body) {
    say("{\"id\":" + id + ",\"ok\":" + body + "}");
  }

  static void fail(Object id, String code, String message) {
    say("{\"id\":" + id + ",\"error\":{\"code\":" + quote(code) + ",\"message\":" + quote(message) + "}}");
  }

  // Returns true for exit.
  static boolean handle(Map<String, Object> req) {
    Object id = num(req.get("id"));
    String op = (String) req.get("op");
    if ("exit".equals(op)) {
      ok(id, "{}");
      return true;
    }
    if ("new".equals(op)) {
      Integer type = TYPES.get((String) req.get("type"));
      if (type == null) {
        fail(id, "EINVAL", "unknown socket type " + req.get("type"));
        return false;
      }
      Map<String, Object> options = req.get("options") == null ? Map.of() : asMap(req.get("options"));
      for (String k : options.keySet()) {
        if (!List.of("receiveTimeout", "sendTimeout", "linger", "routingId", "mandatory").contains(k)) {
          fail(id, "ENOTSUP", "JeroMQ peer has no option " + k);
          return false;
        }
      }
      int n = nextSock++;
      Worker w = new Worker(type, options);
      SOCKS.put(n, w);
      w.start();
      ok(id, "{\"sock\":" + n + "}");
      return false;
    }
    Worker w = SOCKS.get(((Number) req.get("sock")).intValue());
    if (w == null) {
      fail(id, "ENOTSOCK", "no such socket");
      return false;
    }
    w.requests.add(req);
    return false;
  }

  /** One socket and the thread that works it. */
  static final class Worker extends Thread {
    final LinkedBlockingQueue<Map<String, Object>> requests = new LinkedBlockingQueue<>();
    final int type;
    final Map<String, Object> options;
    final int receiveTimeout;
    // Pending recv requests and when each gives up (-1: never).
    final ArrayDeque<Object[]> receivers = new ArrayDeque<>();
    ZMQ.Socket socket;
    boolean closed;

    Worker(int type, Map<String, Object> options) {
      this.type = type;
      this.options = options;
      this.receiveTimeout = options.containsKey("receiveTimeout") ? ((Number) options.get("receiveTimeout")).intValue() : -1;
      setDaemon(true);
    }

    @Override
    public void run() {
      socket = CTX.socket(type);
      socket.setLinger(options.containsKey("linger") ? ((Number) options.get("linger")).longValue() : 0);
      if (options.containsKey("sendTimeout")) socket.setSendTimeOut(((Number) options.get("sendTimeout")).intValue());
      if (options.containsKey("routingId")) {
        socket.setIdentity(((String) options.get("routingId")).getBytes(StandardCharsets.UTF_8));
      }
      if (Boolean.TRUE.equals(options.get("mandatory"))) socket.setRouterMandatory(true);
      // Short waits: the thread goes back to its requests between them.
      socket.setReceiveTimeOut(10);
      try {
        while (!closed) {
          Map<String, Object> req = receivers.isEmpty() ? requests.poll(50, TimeUnit.MILLISECONDS) : requests.poll();
          if (req != null) serve(req);
          if (!closed && !receivers.isEmpty()) pollReceive();
        }
      } catch (InterruptedException e) {
        // exiting
      }
    }

    void serve(Map<String, Object> req) {
      Object id = num(req.get("id"));
      String op = (String) req.get("op");
      try {
        switch (op) {
          case "bind": {
            String ep = (String) req.get("endpoint");
            if (ep.endsWith(":*")) {
              String base = ep.substring(0, ep.length() - 2);
              int port = socket.bindToRandomPort(base);
              ep = base + ":" + port;
            } else {
              socket.bind(ep);
            }
            ok(id, "{\"endpoint\":" + quote(ep) + "}");
            break;
          }
          case "connect":
            if (req.get("routingId") != null) {
              fail(id, "ENOTSUP", "JeroMQ peer has no connect routing id");
              break;
            }
            socket.connect((String) req.get("endpoint"));
            ok(id, "{}");
            break;
          case "send": {
            List<Object> msg = asList(req.get("msg"));
            for (int i = 0; i < msg.size(); i++) {
              byte[] f = Base64.getDecoder().decode((String) msg.get(i));
              if (!socket.send(f, i < msg.size() - 1 ? ZMQ.SNDMORE : 0)) {
                int errno = socket.base().errno();
                fail(id, errno == ZError.EHOSTUNREACH ? "EHOSTUNREACH" : "EAGAIN", "send failed, errno " + errno);
                return;
              }
            }
            ok(id, "{}");
            break;
          }
          case "recv":
            receivers.add(new Object[] {id, receiveTimeout < 0 ? -1L : System.currentTimeMillis() + receiveTimeout});
            break;
          case "subscribe":
            socket.subscribe(Base64.getDecoder().decode((String) req.get("topic")));
            ok(id, "{}");
            break;
          case "unsubscribe":
            socket.unsubscribe(Base64.getDecoder().decode((String) req.get("topic")));
            ok(id, "{}");
            break;
          case "events":
            ok(id, "{\"counts\":{}}");
            break;
          case "close":
            for (Object[] r : receivers) fail(r[0], "EAGAIN", "socket closed");
            receivers.clear();
            socket.close();
            closed = true;
            ok(id, "{}");
            break;
          default:
            fail(id, "EINVAL", "unknown op " + op);
        }
      } catch (ZMQException e) {
        int code = e.getErrorCode();
        fail(id, code == ZError.EHOSTUNREACH ? "EHOSTUNREACH" : "E" + code, e.toString());
      } catch (RuntimeException e) {
        fail(id, "EINVAL", e.toString());
      }
    }

    void pollReceive() {
      byte[] first = socket.recv(0);
      if (first == null) {
        long now = System.currentTimeMillis();
        while (!receivers.isEmpty()) {
          long deadline = (Long) receivers.peek()[1];
          if (deadline < 0 || deadline > now) break;
          fail(receivers.poll()[0], "EAGAIN", "receive timed out");
        }
        return;
      }
      StringBuilder sb = new StringBuilder("{\"msg\":[").append(quote(Base64.getEncoder().encodeToString(first)));
      while (socket.hasReceiveMore()) {
        sb.append(',').append(quote(Base64.getEncoder().encodeToString(socket.recv(0))));
      }
      ok(receivers.poll()[0], sb.append("]}").toString());
    }
  }

  // -- a minimal JSON reader: objects, arrays, strings, numbers, booleans, null --

  static final class Json {
    final String s;
    int i;

    Json(String s) {
      this.s = s;
    }

    Object value() {
      skip();
      char c = s.charAt(i);
      if (c == '{') {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        skip();
        if (s.charAt(i) == '}') {
          i++;
          return m;
        }
        for (;;) {
          skip();
          String k = string();
          skip();
          expect(':');
          m.put(k, value());
          skip();
          if (s.charAt(i) == ',') i++;
          else {
            expect('}');
            return m;
          }
        }
      }
      if (c == '[') {
        List<Object> l = new ArrayList<>();
        i++;
        skip();
        if (s.charAt(i) == ']') {
          i++;
          return l;
        }
        for (;;) {
          l.add(value());
          skip();
          if (s.charAt(i) == ',') i++;
          else {
            expect(']');
            return l;
          }
        }
      }
      if (c == '"') return string();
      if (s.startsWith("true", i)) {
        i += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", i)) {
        i += 5;
        return Boolean.FALSE;
      }
      if (s.startsWith("null", i)) {
        i += 4;
        return null;
      }
      int start = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
      return Double.parseDouble(s.substring(start, i));
    }

    String string() {
      expect('"');
      StringBuilder sb = new StringBuilder();
      for (;;) {
        char c = s.charAt(i++);
        if (c == '"') return sb.toString();
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        char e = s.charAt(i++);
        switch (e) {
          case 'n': sb.append('\n'); break;
          case 't': sb.append('\t'); break;
          case 'r': sb.append('\r'); break;
          case 'b': sb.append('\b'); break;
          case 'f': sb.append('\f'); break;
          case 'u':
            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
            break;
          default: sb.append(e);
        }
      }
    }

    void skip() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    }

    void expect(char c) {
      if (s.charAt(i) != c) throw new IllegalArgumentException("expected " + c + " at " + i + " in " + s);
      i++;
    }
  }

  static String quote(String v) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : v.toCharArray()) {
      if (c == '"' || c == '\\') sb.append('\\').append(c);
      else if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
      else sb.append(c);
    }
    return sb.append('"').toString();
  }

  // Request ids come back as integers.
  static Object num(Object v) {
    return v instanceof Number ? (Object) ((Number) v).longValue() : "null";
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> asMap(Object v) {
    return (Map<String, Object>) v;
  }

  @SuppressWarnings("unchecked")
  static List<Object> asList(Object v) {
    return (List<Object>) v;
  }
}
