;; Rank-k update kernel for the blocked sweep inverse (linalg/sweep.ts), WebAssembly SIMD, float32.
;;
;;   C[rows, cols] −= X · Y      X: rows × kb, Y: kb × cols
;;
;; Operands are packed so every load in the inner loop is a contiguous 16-byte read at a fixed offset:
;;   X in groups of 4 rows, k-major:   X[g][k][r]  = X(4g + r, k)   (16 B per k)
;;   Y in tiles of 8 columns, k-major: Y[t][k][c]  = Y(k, 8t + c)   (32 B per k)
;; The micro-kernel holds a 4 × 8 tile of C in eight f32x4 registers (8 accumulators + 2 Y vectors + X and its
;; broadcast = 12 of x64's 16 SIMD registers; a 4 × 12 tile spills and runs at half speed, measured) and per k does
;; 1 + 2 loads, 4 lane broadcasts and 8 multiply + 8 subtract. Node 20's V8 has no relaxed-SIMD FMA by default.
;; Memory is imported and shared, so worker threads run the same module on the same matrix.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; C(4 × 8 at $c, row stride $ldc bytes) −= Σ_k X[g][k][·] ⊗ Y[t][k][·]
  (func $tile (param $c i32) (param $ldc i32) (param $x i32) (param $y i32) (param $kb i32)
    (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local $y0 v128) (local $y1 v128) (local $xk v128) (local $s v128)
    (local.set $c1 (i32.add (local.get $c) (local.get $ldc)))
    (local.set $c2 (i32.add (local.get $c1) (local.get $ldc)))
    (local.set $c3 (i32.add (local.get $c2) (local.get $ldc)))
    (local.set $a00 (v128.load (local.get $c)))
    (local.set $a01 (v128.load offset=16 (local.get $c)))
    (local.set $a10 (v128.load (local.get $c1)))
    (local.set $a11 (v128.load offset=16 (local.get $c1)))
    (local.set $a20 (v128.load (local.get $c2)))
    (local.set $a21 (v128.load offset=16 (local.get $c2)))
    (local.set $a30 (v128.load (local.get $c3)))
    (local.set $a31 (v128.load offset=16 (local.get $c3)))
    (loop $k
      (local.set $y0 (v128.load (local.get $y)))
      (local.set $y1 (v128.load offset=16 (local.get $y)))
      (local.set $xk (v128.load (local.get $x)))
      ;; row r: broadcast X(4g + r, k), then C(r, 0..8) −= X(r, k) · Y(k, 0..8)
      (local.set $s (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $xk) (local.get $xk)))
      (local.set $a00 (f32x4.sub (local.get $a00) (f32x4.mul (local.get $s) (local.get $y0))))
      (local.set $a01 (f32x4.sub (local.get $a01) (f32x4.mul (local.get $s) (local.get $y1))))
      (local.set $s (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $xk) (local.get $xk)))
      (local.set $a10 (f32x4.sub (local.get $a10) (f32x4.mul (local.get $s) (local.get $y0))))
      (local.set $a11 (f32x4.sub (local.get $a11) (f32x4.mul (local.get $s) (local.get $y1))))
      (local.set $s (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $xk) (local.get $xk)))
      (local.set $a20 (f32x4.sub (local.get $a20) (f32x4.mul (local.get $s) (local.get $y0))))
      (local.set $a21 (f32x4.sub (local.get $a21) (f32x4.mul (local.get $s) (local.get $y1))))
      (local.set $s (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $xk) (local.get $xk)))
      (local.set $a30 (f32x4.sub (local.get $a30) (f32x4.mul (local.get $s) (local.get $y0))))
      (local.set $a31 (f32x4.sub (local.get $a31) (f32x4.mul (local.get $s) (local.get $y1))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 32)))
      (br_if $k (local.tee $kb (i32.sub (local.get $kb) (i32.const 1)))))
    (v128.store (local.get $c) (local.get $a00))
    (v128.store offset=16 (local.get $c) (local.get $a01))
    (v128.store (local.get $c1) (local.get $a10))
    (v128.store offset=16 (local.get $c1) (local.get $a11))
    (v128.store (local.get $c2) (local.get $a20))
    (v128.store offset=16 (local.get $c2) (local.get $a21))
    (v128.store (local.get $c3) (local.get $a30))
    (v128.store offset=16 (local.get $c3) (local.get $a31)))

  ;; C −= X · Y for row groups [g0, g1) and column tiles [0, tiles), or, when $lower ≠ 0, only the tiles up to each
  ;; group's diagonal (tile ≤ g / 2: the lower triangle plus the few upper cells of the diagonal tile).
  ;; Cache blocking: 16 groups (64 rows) at a time, tiles outermost within them, so one Y tile (kb · 32 B) stays in
  ;; L1 while the block's X (64 · kb · 4 B) is reused from L1/L2 for every tile.
  (func (export "rankUpdate")
    (param $c i32) (param $ldc i32) (param $x i32) (param $y i32) (param $kb i32)
    (param $g0 i32) (param $g1 i32) (param $tiles i32) (param $lower i32)
    (local $gb i32) (local $ge i32) (local $g i32) (local $t i32) (local $tEnd i32)
    (local $xStride i32) (local $yStride i32)
    (local.set $xStride (i32.shl (local.get $kb) (i32.const 4)))
    (local.set $yStride (i32.shl (local.get $kb) (i32.const 5)))
    (local.set $gb (local.get $g0))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $gb) (local.get $g1)))
        (local.set $ge (select (i32.add (local.get $gb) (i32.const 16)) (local.get $g1)
          (i32.lt_u (i32.add (local.get $gb) (i32.const 16)) (local.get $g1))))
        (local.set $tEnd (select (i32.add (i32.shr_u (i32.sub (local.get $ge) (i32.const 1)) (i32.const 1)) (i32.const 1))
          (local.get $tiles) (local.get $lower)))
        (local.set $t (i32.const 0))
        (loop $tilesLoop
          (local.set $g (select
            (select (local.get $gb) (i32.shl (local.get $t) (i32.const 1))
              (i32.gt_u (local.get $gb) (i32.shl (local.get $t) (i32.const 1))))
            (local.get $gb) (local.get $lower)))
          (block $groupsDone
            (loop $groups
              (br_if $groupsDone (i32.ge_u (local.get $g) (local.get $ge)))
              (call $tile
                (i32.add (local.get $c)
                  (i32.add (i32.mul (i32.shl (local.get $g) (i32.const 2)) (local.get $ldc)) (i32.shl (local.get $t) (i32.const 5))))
                (local.get $ldc)
                (i32.add (local.get $x) (i32.mul (local.get $g) (local.get $xStride)))
                (i32.add (local.get $y) (i32.mul (local.get $t) (local.get $yStride)))
                (local.get $kb))
              (local.set $g (i32.add (local.get $g) (i32.const 1)))
              (br $groups)))
          (br_if $tilesLoop (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $tEnd))))
        (local.set $gb (local.get $ge))
        (br $blocks)))))
