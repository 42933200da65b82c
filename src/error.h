#pragma once
// The domain's view of dvol::Error (defined in the lowest layer, io/, so that dm/ and io/ can
// throw it too). cli/ and plugin/ include this header, never io/ directly.
#include "io/error.h"
