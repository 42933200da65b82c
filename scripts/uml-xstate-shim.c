// LD_PRELOAD shim for linux.uml (Debian's user-mode Linux 6.1) on hosts whose CPUs have a
// larger extended register state (XSAVE) than UML 6.1 knows: AVX-512, AMX, CET.
//
// UML saves and restores its processes' floating-point registers with PTRACE_GETREGSET /
// PTRACE_SETREGSET NT_X86_XSTATE and a fixed 832-byte buffer (x87, SSE, AVX). The host kernel
// truncates the GET, but refuses a SET shorter than its own XSAVE size with EFAULT, so on such
// a host UML panics when it starts init ("ptrace set fp regs failed, errno = 14"). Fixed in
// later UML kernels by sizing the buffer from the host; here a SET of a short buffer is turned
// into a full one: the host's current state with UML's 832 bytes laid over it (the components
// UML does not know keep the host process's own values). That alone is not enough for
// programs that use AVX-512 registers (glibc's EVEX string functions misbehave inside), so
// uml-run also boots with GLIBC_TUNABLES keeping glibc inside to AVX2.
//
// Built by scripts/uml-run into its scratch directory; used only for the test kernel.
#define _GNU_SOURCE
#include <elf.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

long ptrace(enum __ptrace_request req, ...) {
  va_list ap;
  va_start(ap, req);
  pid_t pid = va_arg(ap, pid_t);
  void* addr = va_arg(ap, void*);
  void* data = va_arg(ap, void*);
  va_end(ap);
  if (req == PTRACE_SETREGSET && (uintptr_t)addr == NT_X86_XSTATE) {
    static __thread unsigned char full_state[65536] __attribute__((aligned(64)));
    struct iovec* iov = data;
    struct iovec full = {full_state, sizeof full_state};
    if (syscall(SYS_ptrace, PTRACE_GETREGSET, pid, NT_X86_XSTATE, &full) < 0) return -1;
    if (iov->iov_len < full.iov_len) {
      // Offset 512 is the XSAVE header's component bitmap: bits 0-2 (x87, SSE, AVX) are UML's,
      // the others stay the host's.
      uint64_t host_bv, uml_bv;
      memcpy(&host_bv, full_state + 512, 8);
      memcpy(full_state, iov->iov_base, iov->iov_len);
      memcpy(&uml_bv, full_state + 512, 8);
      uml_bv = (uml_bv & 0x7) | (host_bv & ~(uint64_t)0x7);
      memcpy(full_state + 512, &uml_bv, 8);
      return syscall(SYS_ptrace, PTRACE_SETREGSET, pid, NT_X86_XSTATE, &full);
    }
  }
  // glibc's ptrace() returns the word read by the PEEK requests; the raw call stores it.
  if (req == PTRACE_PEEKTEXT || req == PTRACE_PEEKDATA || req == PTRACE_PEEKUSER) {
    long value;
    long r = syscall(SYS_ptrace, req, pid, addr, &value);
    return r < 0 ? r : value;
  }
  return syscall(SYS_ptrace, req, pid, addr, data);
}
