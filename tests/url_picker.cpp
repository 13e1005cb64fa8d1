// Go: TestURLPickerPickTwice, TestURLPickerUpdate, TestURLPickerUnreachable.
#include <rafthttp/url_picker.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;

TEST_CASE("pick is sticky and comes from the set") {
  url_picker picker(*url_list::parse(std::string_view("http://127.0.0.1:2380,http://127.0.0.1:7001")));
  const auto first = picker.pick();
  CHECK((first.text == "http://127.0.0.1:2380" || first.text == "http://127.0.0.1:7001"));
  CHECK(picker.pick() == first);
}

TEST_CASE("after update, picks come from the new set") {
  url_picker picker(*url_list::parse(std::string_view("http://127.0.0.1:2380")));
  picker.update(*url_list::parse(std::string_view("http://localhost:80,http://localhost:81")));
  CHECK(picker.pick().host == "localhost");
}

TEST_CASE("an unreachable current URL moves the picker on, once") {
  url_picker picker(*url_list::parse(std::string_view("http://127.0.0.1:1,http://127.0.0.1:2,http://127.0.0.1:3")));
  const auto failed = picker.pick();
  picker.unreachable(failed);
  const auto next = picker.pick();
  CHECK(next != failed);
  picker.unreachable(failed);  // a second failure on the old URL does not rotate again
  CHECK(picker.pick() == next);
  picker.unreachable(next);
  picker.unreachable(picker.pick());
  CHECK(picker.pick() == failed);  // wraps around
}
