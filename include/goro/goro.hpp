// goro: Go's goroutines for C++. The umbrella header.
#pragma once

#include <goro/go.hpp>
#include <goro/runtime.hpp>
#include <goro/stats.hpp>
#include <goro/sync.hpp>
