#include "server/triage/triage.hpp"
