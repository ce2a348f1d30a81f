// A tiny test harness for the core's tests (no framework, so nothing to install): a failed
// CHECK reports the expression and line; each test file lists its tests.
#pragma once

#include <cmath>
#include <cstdio>
#include <vector>

namespace npctest {

inline int& failures() {
    static int count = 0;
    return count;
}

struct Test {
    const char* name;
    void (*run)();
};

std::vector<Test> formatTests();    // FormatTests.cpp: JSON, protocol messages, PCM
std::vector<Test> playbackTests();  // PlaybackTests.cpp: jitter buffer, visemes, rigs, mic gate
std::vector<Test> sessionTests();   // SessionTests.cpp: the session state machine

}  // namespace npctest

#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond)) {                                                    \
            std::printf("    failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            ++npctest::failures();                                        \
        }                                                                 \
    } while (0)

#define CHECK_NEAR(a, b, tol) CHECK(std::fabs(static_cast<double>(a) - static_cast<double>(b)) <= (tol))
