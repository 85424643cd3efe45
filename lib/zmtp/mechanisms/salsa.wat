;; XSalsa20-Poly1305's per-message part (crypto_secretbox under a subkey
;; already derived by HSalsa20), in WebAssembly: the same computation as
;; salsa.ts's seal() and open(), with native 32-bit rotations and 64-bit
;; products, so that Poly1305 takes five 26-bit limbs (25 products a block,
;; the layout of poly1305-donna's 32-bit variant) instead of ten 13-bit ones.
;; salsa_wasm.ts holds this module compiled (scripts/gen_salsa_wasm.ts).
;;
;; Memory (one page, grown by the caller for longer messages):
;;   [0, 32)     the Salsa20 key (the XSalsa20 subkey), 8 little-endian words
;;   [32, 64)    the Poly1305 one-time key (block 0's first 32 bytes)
;;   [64, 128)   one Salsa20 keystream block
;;   [128, 144)  the tag: written by seal, compared by open
;;   [256, ...)  the message, encrypted or decrypted in place; the 16 bytes
;;               after it are scratch (Poly1305's padded last block)
(module
  (memory (export "memory") 1)

  ;; One Salsa20 block (20 rounds, feed-forward) into [64, 128). n0 n1: the
  ;; nonce's last 8 bytes as words; c0 c1: the block counter.
  (func $block (param $n0 i32) (param $n1 i32) (param $c0 i32) (param $c1 i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $x4 i32) (local $x5 i32) (local $x6 i32) (local $x7 i32)
    (local $x8 i32) (local $x9 i32) (local $x10 i32) (local $x11 i32)
    (local $x12 i32) (local $x13 i32) (local $x14 i32) (local $x15 i32)
    (local $i i32)
    (local.set $x0 (i32.const 0x61707865))
    (local.set $x1 (i32.load offset=0 (i32.const 0)))
    (local.set $x2 (i32.load offset=4 (i32.const 0)))
    (local.set $x3 (i32.load offset=8 (i32.const 0)))
    (local.set $x4 (i32.load offset=12 (i32.const 0)))
    (local.set $x5 (i32.const 0x3320646e))
    (local.set $x6 (local.get $n0))
    (local.set $x7 (local.get $n1))
    (local.set $x8 (local.get $c0))
    (local.set $x9 (local.get $c1))
    (local.set $x10 (i32.const 0x79622d32))
    (local.set $x11 (i32.load offset=16 (i32.const 0)))
    (local.set $x12 (i32.load offset=20 (i32.const 0)))
    (local.set $x13 (i32.load offset=24 (i32.const 0)))
    (local.set $x14 (i32.load offset=28 (i32.const 0)))
    (local.set $x15 (i32.const 0x6b206574))
    (local.set $i (i32.const 10))
    (loop $rounds
      ;; Column round.
      (local.set $x4 (i32.xor (local.get $x4) (i32.rotl (i32.add (local.get $x0) (local.get $x12)) (i32.const 7))))
      (local.set $x8 (i32.xor (local.get $x8) (i32.rotl (i32.add (local.get $x4) (local.get $x0)) (i32.const 9))))
      (local.set $x12 (i32.xor (local.get $x12) (i32.rotl (i32.add (local.get $x8) (local.get $x4)) (i32.const 13))))
      (local.set $x0 (i32.xor (local.get $x0) (i32.rotl (i32.add (local.get $x12) (local.get $x8)) (i32.const 18))))
      (local.set $x9 (i32.xor (local.get $x9) (i32.rotl (i32.add (local.get $x5) (local.get $x1)) (i32.const 7))))
      (local.set $x13 (i32.xor (local.get $x13) (i32.rotl (i32.add (local.get $x9) (local.get $x5)) (i32.const 9))))
      (local.set $x1 (i32.xor (local.get $x1) (i32.rotl (i32.add (local.get $x13) (local.get $x9)) (i32.const 13))))
      (local.set $x5 (i32.xor (local.get $x5) (i32.rotl (i32.add (local.get $x1) (local.get $x13)) (i32.const 18))))
      (local.set $x14 (i32.xor (local.get $x14) (i32.rotl (i32.add (local.get $x10) (local.get $x6)) (i32.const 7))))
      (local.set $x2 (i32.xor (local.get $x2) (i32.rotl (i32.add (local.get $x14) (local.get $x10)) (i32.const 9))))
      (local.set $x6 (i32.xor (local.get $x6) (i32.rotl (i32.add (local.get $x2) (local.get $x14)) (i32.const 13))))
      (local.set $x10 (i32.xor (local.get $x10) (i32.rotl (i32.add (local.get $x6) (local.get $x2)) (i32.const 18))))
      (local.set $x3 (i32.xor (local.get $x3) (i32.rotl (i32.add (local.get $x15) (local.get $x11)) (i32.const 7))))
      (local.set $x7 (i32.xor (local.get $x7) (i32.rotl (i32.add (local.get $x3) (local.get $x15)) (i32.const 9))))
      (local.set $x11 (i32.xor (local.get $x11) (i32.rotl (i32.add (local.get $x7) (local.get $x3)) (i32.const 13))))
      (local.set $x15 (i32.xor (local.get $x15) (i32.rotl (i32.add (local.get $x11) (local.get $x7)) (i32.const 18))))
      ;; Row round.
      (local.set $x1 (i32.xor (local.get $x1) (i32.rotl (i32.add (local.get $x0) (local.get $x3)) (i32.const 7))))
      (local.set $x2 (i32.xor (local.get $x2) (i32.rotl (i32.add (local.get $x1) (local.get $x0)) (i32.const 9))))
      (local.set $x3 (i32.xor (local.get $x3) (i32.rotl (i32.add (local.get $x2) (local.get $x1)) (i32.const 13))))
      (local.set $x0 (i32.xor (local.get $x0) (i32.rotl (i32.add (local.get $x3) (local.get $x2)) (i32.const 18))))
      (local.set $x6 (i32.xor (local.get $x6) (i32.rotl (i32.add (local.get $x5) (local.get $x4)) (i32.const 7))))
      (local.set $x7 (i32.xor (local.get $x7) (i32.rotl (i32.add (local.get $x6) (local.get $x5)) (i32.const 9))))
      (local.set $x4 (i32.xor (local.get $x4) (i32.rotl (i32.add (local.get $x7) (local.get $x6)) (i32.const 13))))
      (local.set $x5 (i32.xor (local.get $x5) (i32.rotl (i32.add (local.get $x4) (local.get $x7)) (i32.const 18))))
      (local.set $x11 (i32.xor (local.get $x11) (i32.rotl (i32.add (local.get $x10) (local.get $x9)) (i32.const 7))))
      (local.set $x8 (i32.xor (local.get $x8) (i32.rotl (i32.add (local.get $x11) (local.get $x10)) (i32.const 9))))
      (local.set $x9 (i32.xor (local.get $x9) (i32.rotl (i32.add (local.get $x8) (local.get $x11)) (i32.const 13))))
      (local.set $x10 (i32.xor (local.get $x10) (i32.rotl (i32.add (local.get $x9) (local.get $x8)) (i32.const 18))))
      (local.set $x12 (i32.xor (local.get $x12) (i32.rotl (i32.add (local.get $x15) (local.get $x14)) (i32.const 7))))
      (local.set $x13 (i32.xor (local.get $x13) (i32.rotl (i32.add (local.get $x12) (local.get $x15)) (i32.const 9))))
      (local.set $x14 (i32.xor (local.get $x14) (i32.rotl (i32.add (local.get $x13) (local.get $x12)) (i32.const 13))))
      (local.set $x15 (i32.xor (local.get $x15) (i32.rotl (i32.add (local.get $x14) (local.get $x13)) (i32.const 18))))
      (br_if $rounds (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
    (i32.store offset=64 (i32.const 0) (i32.add (local.get $x0) (i32.const 0x61707865)))
    (i32.store offset=68 (i32.const 0) (i32.add (local.get $x1) (i32.load offset=0 (i32.const 0))))
    (i32.store offset=72 (i32.const 0) (i32.add (local.get $x2) (i32.load offset=4 (i32.const 0))))
    (i32.store offset=76 (i32.const 0) (i32.add (local.get $x3) (i32.load offset=8 (i32.const 0))))
    (i32.store offset=80 (i32.const 0) (i32.add (local.get $x4) (i32.load offset=12 (i32.const 0))))
    (i32.store offset=84 (i32.const 0) (i32.add (local.get $x5) (i32.const 0x3320646e)))
    (i32.store offset=88 (i32.const 0) (i32.add (local.get $x6) (local.get $n0)))
    (i32.store offset=92 (i32.const 0) (i32.add (local.get $x7) (local.get $n1)))
    (i32.store offset=96 (i32.const 0) (i32.add (local.get $x8) (local.get $c0)))
    (i32.store offset=100 (i32.const 0) (i32.add (local.get $x9) (local.get $c1)))
    (i32.store offset=104 (i32.const 0) (i32.add (local.get $x10) (i32.const 0x79622d32)))
    (i32.store offset=108 (i32.const 0) (i32.add (local.get $x11) (i32.load offset=16 (i32.const 0))))
    (i32.store offset=112 (i32.const 0) (i32.add (local.get $x12) (i32.load offset=20 (i32.const 0))))
    (i32.store offset=116 (i32.const 0) (i32.add (local.get $x13) (i32.load offset=24 (i32.const 0))))
    (i32.store offset=120 (i32.const 0) (i32.add (local.get $x14) (i32.load offset=28 (i32.const 0))))
    (i32.store offset=124 (i32.const 0) (i32.add (local.get $x15) (i32.const 0x6b206574))))

  ;; Block 0 (counter 0): its first 32 bytes become the Poly1305 key.
  (func $polyKey (param $n0 i32) (param $n1 i32)
    (call $block (local.get $n0) (local.get $n1) (i32.const 0) (i32.const 0))
    (i64.store offset=32 (i32.const 0) (i64.load offset=64 (i32.const 0)))
    (i64.store offset=40 (i32.const 0) (i64.load offset=72 (i32.const 0)))
    (i64.store offset=48 (i32.const 0) (i64.load offset=80 (i32.const 0)))
    (i64.store offset=56 (i32.const 0) (i64.load offset=88 (i32.const 0))))

  ;; XORs the keystream over the message [256, 256+len): bytes 32..64 of
  ;; block 0 (still in [96, 128) from $polyKey), then blocks 1, 2, ... Whole
  ;; 8-byte words throughout: bytes past the message's end are scratch.
  (func $xor (param $n0 i32) (param $n1 i32) (param $len i32)
    (local $p i32) (local $end i32) (local $ctr i32) (local $q i32)
    (local.set $p (i32.const 256))
    (local.set $end (i32.add (i32.const 256) (local.get $len)))
    ;; The rest of block 0.
    (local.set $q (i32.const 96))
    (block $done0
      (loop $words0
        (br_if $done0 (i32.ge_u (local.get $p) (local.get $end)))
        (br_if $done0 (i32.ge_u (local.get $q) (i32.const 128)))
        (i64.store (local.get $p) (i64.xor (i64.load (local.get $p)) (i64.load (local.get $q))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $q (i32.add (local.get $q) (i32.const 8)))
        (br $words0)))
    (local.set $ctr (i32.const 1))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (call $block (local.get $n0) (local.get $n1) (local.get $ctr) (i32.const 0))
        (local.set $ctr (i32.add (local.get $ctr) (i32.const 1)))
        (local.set $q (i32.const 64))
        (block $full
          (loop $words
            (br_if $full (i32.ge_u (local.get $p) (local.get $end)))
            (br_if $full (i32.ge_u (local.get $q) (i32.const 128)))
            (i64.store (local.get $p) (i64.xor (i64.load (local.get $p)) (i64.load (local.get $q))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (local.set $q (i32.add (local.get $q) (i32.const 8)))
            (br $words)))
        (br $blocks))))

  ;; Poly1305 of [256, 256+len) under the key at [32, 64), into [128, 144)
  ;; unless $cmp, which compares with the tag there instead and returns 1
  ;; when it matches (every byte compared, whatever the first difference).
  (func $poly (param $len i32) (param $cmp i32) (result i32)
    (local $r0 i64) (local $r1 i64) (local $r2 i64) (local $r3 i64) (local $r4 i64)
    (local $s1 i64) (local $s2 i64) (local $s3 i64) (local $s4 i64)
    (local $h0 i64) (local $h1 i64) (local $h2 i64) (local $h3 i64) (local $h4 i64)
    (local $d0 i64) (local $d1 i64) (local $d2 i64) (local $d3 i64) (local $d4 i64)
    (local $g0 i64) (local $g1 i64) (local $g2 i64) (local $g3 i64) (local $g4 i64)
    (local $c i64) (local $mask i64) (local $f i64)
    (local $p i32) (local $end i32) (local $full i32) (local $hibit i64) (local $i i32)
    (local $t0 i64) (local $t1 i64) (local $t2 i64) (local $t3 i64)
    ;; r, clamped, as 26-bit limbs.
    (local.set $t0 (i64.load32_u offset=32 (i32.const 0)))
    (local.set $t1 (i64.load32_u offset=36 (i32.const 0)))
    (local.set $t2 (i64.load32_u offset=40 (i32.const 0)))
    (local.set $t3 (i64.load32_u offset=44 (i32.const 0)))
    (local.set $r0 (i64.and (local.get $t0) (i64.const 0x3ffffff)))
    (local.set $r1 (i64.and (i64.or (i64.shr_u (local.get $t0) (i64.const 26)) (i64.shl (local.get $t1) (i64.const 6))) (i64.const 0x3ffff03)))
    (local.set $r2 (i64.and (i64.or (i64.shr_u (local.get $t1) (i64.const 20)) (i64.shl (local.get $t2) (i64.const 12))) (i64.const 0x3ffc0ff)))
    (local.set $r3 (i64.and (i64.or (i64.shr_u (local.get $t2) (i64.const 14)) (i64.shl (local.get $t3) (i64.const 18))) (i64.const 0x3f03fff)))
    (local.set $r4 (i64.and (i64.shr_u (local.get $t3) (i64.const 8)) (i64.const 0x00fffff)))
    (local.set $s1 (i64.mul (local.get $r1) (i64.const 5)))
    (local.set $s2 (i64.mul (local.get $r2) (i64.const 5)))
    (local.set $s3 (i64.mul (local.get $r3) (i64.const 5)))
    (local.set $s4 (i64.mul (local.get $r4) (i64.const 5)))
    (local.set $p (i32.const 256))
    (local.set $end (i32.add (i32.const 256) (local.get $len)))
    ;; A partial last block: its bytes, a 1, zeros, and no 2^128 bit.
    (if (i32.and (local.get $len) (i32.const 15))
      (then
        (i32.store8 (local.get $end) (i32.const 1))
        (local.set $i (i32.add (local.get $end) (i32.const 1)))
        (block $padded
          (loop $zero
            (br_if $padded (i32.eqz (i32.and (local.get $i) (i32.const 15))))
            (i32.store8 (local.get $i) (i32.const 0))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $zero)))))
    ;; Blocks that are whole end at $full.
    (local.set $full (i32.add (i32.const 256) (i32.and (local.get $len) (i32.const -16))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $hibit (select (i64.const 0x1000000) (i64.const 0) (i32.lt_u (local.get $p) (local.get $full))))
        (local.set $h0 (i64.add (local.get $h0)
          (i64.and (i64.load32_u (local.get $p)) (i64.const 0x3ffffff))))
        (local.set $h1 (i64.add (local.get $h1)
          (i64.and (i64.shr_u (i64.load32_u offset=3 (local.get $p)) (i64.const 2)) (i64.const 0x3ffffff))))
        (local.set $h2 (i64.add (local.get $h2)
          (i64.and (i64.shr_u (i64.load32_u offset=6 (local.get $p)) (i64.const 4)) (i64.const 0x3ffffff))))
        (local.set $h3 (i64.add (local.get $h3)
          (i64.and (i64.shr_u (i64.load32_u offset=9 (local.get $p)) (i64.const 6)) (i64.const 0x3ffffff))))
        (local.set $h4 (i64.add (local.get $h4)
          (i64.or (i64.shr_u (i64.load32_u offset=12 (local.get $p)) (i64.const 8)) (local.get $hibit))))
        ;; h *= r mod 2^130 - 5.
        (local.set $d0 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r0)) (i64.mul (local.get $h1) (local.get $s4)))
          (i64.mul (local.get $h2) (local.get $s3))) (i64.mul (local.get $h3) (local.get $s2)))
          (i64.mul (local.get $h4) (local.get $s1))))
        (local.set $d1 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r1)) (i64.mul (local.get $h1) (local.get $r0)))
          (i64.mul (local.get $h2) (local.get $s4))) (i64.mul (local.get $h3) (local.get $s3)))
          (i64.mul (local.get $h4) (local.get $s2))))
        (local.set $d2 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r2)) (i64.mul (local.get $h1) (local.get $r1)))
          (i64.mul (local.get $h2) (local.get $r0))) (i64.mul (local.get $h3) (local.get $s4)))
          (i64.mul (local.get $h4) (local.get $s3))))
        (local.set $d3 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r3)) (i64.mul (local.get $h1) (local.get $r2)))
          (i64.mul (local.get $h2) (local.get $r1))) (i64.mul (local.get $h3) (local.get $r0)))
          (i64.mul (local.get $h4) (local.get $s4))))
        (local.set $d4 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r4)) (i64.mul (local.get $h1) (local.get $r3)))
          (i64.mul (local.get $h2) (local.get $r2))) (i64.mul (local.get $h3) (local.get $r1)))
          (i64.mul (local.get $h4) (local.get $r0))))
        (local.set $c (i64.shr_u (local.get $d0) (i64.const 26)))
        (local.set $h0 (i64.and (local.get $d0) (i64.const 0x3ffffff)))
        (local.set $d1 (i64.add (local.get $d1) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $d1) (i64.const 26)))
        (local.set $h1 (i64.and (local.get $d1) (i64.const 0x3ffffff)))
        (local.set $d2 (i64.add (local.get $d2) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $d2) (i64.const 26)))
        (local.set $h2 (i64.and (local.get $d2) (i64.const 0x3ffffff)))
        (local.set $d3 (i64.add (local.get $d3) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $d3) (i64.const 26)))
        (local.set $h3 (i64.and (local.get $d3) (i64.const 0x3ffffff)))
        (local.set $d4 (i64.add (local.get $d4) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $d4) (i64.const 26)))
        (local.set $h4 (i64.and (local.get $d4) (i64.const 0x3ffffff)))
        (local.set $h0 (i64.add (local.get $h0) (i64.mul (local.get $c) (i64.const 5))))
        (local.set $c (i64.shr_u (local.get $h0) (i64.const 26)))
        (local.set $h0 (i64.and (local.get $h0) (i64.const 0x3ffffff)))
        (local.set $h1 (i64.add (local.get $h1) (local.get $c)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $blocks)))
    ;; Full carry.
    (local.set $c (i64.shr_u (local.get $h1) (i64.const 26)))
    (local.set $h1 (i64.and (local.get $h1) (i64.const 0x3ffffff)))
    (local.set $h2 (i64.add (local.get $h2) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $h2) (i64.const 26)))
    (local.set $h2 (i64.and (local.get $h2) (i64.const 0x3ffffff)))
    (local.set $h3 (i64.add (local.get $h3) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $h3) (i64.const 26)))
    (local.set $h3 (i64.and (local.get $h3) (i64.const 0x3ffffff)))
    (local.set $h4 (i64.add (local.get $h4) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $h4) (i64.const 26)))
    (local.set $h4 (i64.and (local.get $h4) (i64.const 0x3ffffff)))
    (local.set $h0 (i64.add (local.get $h0) (i64.mul (local.get $c) (i64.const 5))))
    (local.set $c (i64.shr_u (local.get $h0) (i64.const 26)))
    (local.set $h0 (i64.and (local.get $h0) (i64.const 0x3ffffff)))
    (local.set $h1 (i64.add (local.get $h1) (local.get $c)))
    ;; g = h + 5 - 2^130; taken (by mask, not by branch) when it does not borrow.
    (local.set $g0 (i64.add (local.get $h0) (i64.const 5)))
    (local.set $c (i64.shr_u (local.get $g0) (i64.const 26)))
    (local.set $g0 (i64.and (local.get $g0) (i64.const 0x3ffffff)))
    (local.set $g1 (i64.add (local.get $h1) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $g1) (i64.const 26)))
    (local.set $g1 (i64.and (local.get $g1) (i64.const 0x3ffffff)))
    (local.set $g2 (i64.add (local.get $h2) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $g2) (i64.const 26)))
    (local.set $g2 (i64.and (local.get $g2) (i64.const 0x3ffffff)))
    (local.set $g3 (i64.add (local.get $h3) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $g3) (i64.const 26)))
    (local.set $g3 (i64.and (local.get $g3) (i64.const 0x3ffffff)))
    (local.set $g4 (i64.sub (i64.add (local.get $h4) (local.get $c)) (i64.const 0x4000000)))
    ;; All ones when g4 did not go negative (h >= p), else zero.
    (local.set $mask (i64.sub (i64.shr_u (local.get $g4) (i64.const 63)) (i64.const 1)))
    (local.set $h0 (i64.or (i64.and (local.get $g0) (local.get $mask)) (i64.and (local.get $h0) (i64.xor (local.get $mask) (i64.const -1)))))
    (local.set $h1 (i64.or (i64.and (local.get $g1) (local.get $mask)) (i64.and (local.get $h1) (i64.xor (local.get $mask) (i64.const -1)))))
    (local.set $h2 (i64.or (i64.and (local.get $g2) (local.get $mask)) (i64.and (local.get $h2) (i64.xor (local.get $mask) (i64.const -1)))))
    (local.set $h3 (i64.or (i64.and (local.get $g3) (local.get $mask)) (i64.and (local.get $h3) (i64.xor (local.get $mask) (i64.const -1)))))
    (local.set $h4 (i64.or (i64.and (local.get $g4) (local.get $mask)) (i64.and (local.get $h4) (i64.xor (local.get $mask) (i64.const -1)))))
    ;; Back to 32-bit words, plus s, mod 2^128.
    (local.set $h0 (i64.and (i64.or (local.get $h0) (i64.shl (local.get $h1) (i64.const 26))) (i64.const 0xffffffff)))
    (local.set $h1 (i64.and (i64.or (i64.shr_u (local.get $h1) (i64.const 6)) (i64.shl (local.get $h2) (i64.const 20))) (i64.const 0xffffffff)))
    (local.set $h2 (i64.and (i64.or (i64.shr_u (local.get $h2) (i64.const 12)) (i64.shl (local.get $h3) (i64.const 14))) (i64.const 0xffffffff)))
    (local.set $h3 (i64.and (i64.or (i64.shr_u (local.get $h3) (i64.const 18)) (i64.shl (local.get $h4) (i64.const 8))) (i64.const 0xffffffff)))
    (local.set $f (i64.add (local.get $h0) (i64.load32_u offset=48 (i32.const 0))))
    (local.set $h0 (i64.and (local.get $f) (i64.const 0xffffffff)))
    (local.set $f (i64.add (i64.add (local.get $h1) (i64.load32_u offset=52 (i32.const 0))) (i64.shr_u (local.get $f) (i64.const 32))))
    (local.set $h1 (i64.and (local.get $f) (i64.const 0xffffffff)))
    (local.set $f (i64.add (i64.add (local.get $h2) (i64.load32_u offset=56 (i32.const 0))) (i64.shr_u (local.get $f) (i64.const 32))))
    (local.set $h2 (i64.and (local.get $f) (i64.const 0xffffffff)))
    (local.set $f (i64.add (i64.add (local.get $h3) (i64.load32_u offset=60 (i32.const 0))) (i64.shr_u (local.get $f) (i64.const 32))))
    (local.set $h3 (i64.and (local.get $f) (i64.const 0xffffffff)))
    (local.set $t0 (i64.or (local.get $h0) (i64.shl (local.get $h1) (i64.const 32))))
    (local.set $t1 (i64.or (local.get $h2) (i64.shl (local.get $h3) (i64.const 32))))
    (if (result i32) (local.get $cmp)
      (then
        (i64.eqz (i64.or
          (i64.xor (local.get $t0) (i64.load offset=128 (i32.const 0)))
          (i64.xor (local.get $t1) (i64.load offset=136 (i32.const 0))))))
      (else
        (i64.store offset=128 (i32.const 0) (local.get $t0))
        (i64.store offset=136 (i32.const 0) (local.get $t1))
        (i32.const 1))))

  ;; crypto_onetimeauth: the tag of [256, 256+len) under the key at [32, 64),
  ;; into [128, 144).
  (func (export "auth") (param $len i32)
    (drop (call $poly (local.get $len) (i32.const 0))))

  ;; crypto_secretbox under the subkey at [0, 32) with nonce words n0 n1:
  ;; encrypts [256, 256+len) in place and writes its tag to [128, 144).
  (func (export "seal") (param $n0 i32) (param $n1 i32) (param $len i32)
    (call $polyKey (local.get $n0) (local.get $n1))
    (call $xor (local.get $n0) (local.get $n1) (local.get $len))
    (drop (call $poly (local.get $len) (i32.const 0))))

  ;; crypto_secretbox_open: checks the tag at [128, 144) against [256,
  ;; 256+len) and, only when it matches, decrypts in place; returns 1 then,
  ;; else 0 with the message untouched.
  (func (export "open") (param $n0 i32) (param $n1 i32) (param $len i32) (result i32)
    (call $polyKey (local.get $n0) (local.get $n1))
    (if (result i32) (call $poly (local.get $len) (i32.const 1))
      (then
        (call $xor (local.get $n0) (local.get $n1) (local.get $len))
        (i32.const 1))
      (else (i32.const 0)))))
