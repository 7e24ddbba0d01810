// The small core modules: thread pool, SQLite layer, string helpers, ZeroMQ framing.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <zmq.hpp>

#include "core/clock.h"
#include "core/sqlite.h"
#include "core/strings.h"
#include "core/thread_pool.h"
#include "core/wire.h"

namespace swarmcrawl {

TEST_CASE("thread pool: every job runs once and the destructor drains the queue") {
  std::atomic<int> sum{0};
  {
    ThreadPool pool(3);
    CHECK(pool.size() == 3);
    for (int i = 1; i <= 1000; ++i) pool.Submit([&sum, i] { sum += i; });
  }
  CHECK(sum == 500500);
}

TEST_CASE("sqlite: a transaction not committed is rolled back, a committed one survives reopening") {
  char tmpl[] = "/tmp/swarmcrawl-sqlite-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::string path = std::string(tmpl) + "/t.db";
  {
    Db db;
    REQUIRE(Db::Open(path, &db).ok());
    db.Exec("CREATE TABLE t(x INTEGER)");
    {
      Transaction tx(&db);
      db.Prepare("INSERT INTO t VALUES(?)").Bind(1, int64_t{1}).Run();
    }  // no Commit: rolled back
    {
      Transaction tx(&db);
      db.Prepare("INSERT INTO t VALUES(?)").Bind(1, int64_t{2}).Run();
      tx.Commit();
    }
    CHECK_THROWS_AS(db.Exec("INSERT INTO missing VALUES(1)"), SqliteError);
  }
  Db db;
  REQUIRE(Db::Open(path, &db).ok());
  Stmt s = db.Prepare("SELECT GROUP_CONCAT(x) FROM t");
  REQUIRE(s.Step());
  CHECK(s.Text(0) == "2");
  Stmt mode = db.Prepare("PRAGMA journal_mode");
  REQUIRE(mode.Step());
  CHECK(mode.Text(0) == "wal");
  Db bad;
  CHECK(Db::Open("/nonexistent-dir/x.db", &bad).code() == "io");
  std::filesystem::remove_all(tmpl);
}

TEST_CASE("strings: ASCII case folding, hex digits and byte counts") {
  CHECK(EqualsIgnoreCase("User-Agent", "user-agent"));
  CHECK_FALSE(EqualsIgnoreCase("User-Agent", "user-agenT"));  // `lower` must be lower-case
  CHECK_FALSE(EqualsIgnoreCase("abc", "abcd"));
  CHECK(AsciiLower(std::string_view("MiXeD-Ä")) == "mixed-Ä");
  CHECK(HexDigitValue('f') == 15);
  CHECK(HexDigitValue('A') == 10);
  CHECK(HexDigitValue('g') == -1);
  CHECK(HumanBytes(999) == "999 B");
  CHECK(HumanBytes(1500) == "1.5 KB");
  CHECK(HumanBytes(3.1e9) == "3.1 GB");
}

TEST_CASE("clock: a manual clock moves only when advanced") {
  ManualClock clock(1000);
  CHECK(clock.NowMs() == 1000);
  clock.Advance(250);
  CHECK(clock.MonoMs() == 1250);
  SystemClock real;
  CHECK(real.NowMs() > 1'600'000'000'000);
}

TEST_CASE("wire: one multipart message each way and over-long messages are cut to max_frames") {
  zmq::context_t ctx(1);
  zmq::socket_t a(ctx, zmq::socket_type::pair), b(ctx, zmq::socket_type::pair);
  a.bind("inproc://wire-test");
  b.connect("inproc://wire-test");
  std::vector<zmq::message_t> frames;
  CHECK_FALSE(ReceiveMessage(b, 8, &frames));  // nothing waiting: returns at once
  REQUIRE(SendMessage(a, {}, {"SWC/1", "HELLO", "{}"}));
  REQUIRE(ReceiveMessage(b, 8, &frames));
  auto views = FrameViews(frames);
  REQUIRE(views.size() == 3);
  CHECK(views[1] == "HELLO");
  std::vector<std::string_view> many(20, "x");
  REQUIRE(SendMessage(a, "rid", many));
  REQUIRE(ReceiveMessage(b, 4, &frames));
  CHECK(frames.size() == 4);
  CHECK(frames[0].to_string() == "rid");
  // The rest of the long message was consumed: the next message arrives intact.
  REQUIRE(SendMessage(a, {}, {"SWC/1", "BYE", "{}"}));
  REQUIRE(ReceiveMessage(b, 8, &frames));
  CHECK(FrameViews(frames)[1] == "BYE");
}

}  // namespace swarmcrawl
