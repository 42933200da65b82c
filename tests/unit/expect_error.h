#pragma once
// Test helper: run a callable that must throw dvol::Error and return the error, so a test can
// check the code and the sentence the user would read.
#include <gtest/gtest.h>

#include <utility>

#include "io/error.h"

namespace dvol::testing {

template <typename F>
Error thrown_error(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a dvol::Error, but nothing was thrown";
  return Error(Code::Internal, "<nothing thrown>");
}

}  // namespace dvol::testing
