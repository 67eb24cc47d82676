// goro: Go's goroutines for C++. The umbrella header.
#pragma once

#include <goro/chan.hpp>
#include <goro/context.hpp>
#include <goro/go.hpp>
#include <goro/net.hpp>
#include <goro/runtime.hpp>
#include <goro/select.hpp>
#include <goro/stats.hpp>
#include <goro/sync.hpp>
#include <goro/time.hpp>
