// Package opticflow is a procedural optic-flow data set for training the
// optic lobe (package opticlobe) as flyvis trains it on MPI-Sintel, with
// exact ground truth and no files: seeded textured scenes moved by
// translations, rotations about a point, expansions (or contractions)
// about a point and their combinations, rendered as movies and sampled
// onto the eye's hexagonal columns the way flyvis's BoxEye samples Sintel
// frames and flow.
//
// Conventions:
//
//   - Scene coordinates are pixels relative to the image centre pixel
//     (h/2, w/2) of opticlobe.Eye: x to the right, y down (image rows).
//     A scene is infinite: rendering never pads with zeros.
//   - A motion is the flow of a steady linear vector field, written with
//     complex numbers z = x + iy: dz/dt = μ(z − c) + T, with μ = s + iω
//     (s: expansion rate, 1/s; ω: rotation rate, rad/s, clockwise on
//     screen since y points down), c the centre (pixels) and T the
//     translation velocity (pixels/s). Its flow map is exact:
//     Φ_t(z) = c + e^{μt}(z − c) + T(e^{μt} − 1)/μ.
//   - Frame k shows the scene at t = k·Dt: the texture seen at z is the
//     texture at Φ_{−t}(z). Luminance is 0.5 plus the texture, not
//     clipped.
//   - The flow of a frame is, as Sintel's .flo, the displacement of the
//     scene point at each pixel to the next frame, Φ_Dt(z) − z, in
//     flyvis's units: flyvis divides Sintel's flow (pixels) by the image
//     height, flips y to point up and sums it over each column's box, so a
//     column's flow is Kernel²/h times the displacement at its box's
//     centre (Data.FlowScale, h the height of the eye's smallest frame);
//     channel 0 is x (right), channel 1 is y (up). For a steady field it
//     is the same in every frame.
//   - Sampling is opticlobe.Eye's: column c reads the mean of a K×K box
//     of pixels centred at its offset. The noise texture's box mean is
//     computed in closed form (a sinusoid's mean over the box is the
//     sinusoid at the box centre times two Dirichlet kernels), the others
//     pixel by pixel; the flow, affine in z, is its mean over the box at
//     the box's mean pixel.
//   - Layouts: a sample's frames are [frames][columns], its flow
//     [frames][2][columns]; a batch's frames [frames][batch][columns]
//     (as model.Framed takes them) and flow [frames][batch][2][columns].
//
// MPI-Sintel (Sintel, "--data DIR") is the other Source: flyvis's
// processing of its frames and flow (centre crop, vertical splits, box
// sampling, resampling from 24 frames/s to 1/dt, augmentations, flyvis's
// original split or folds), read and rendered lazily; its doc comment
// gives the conventions. Its flow is the motion that led to each frame,
// which equals the procedural convention for steady fields.
//
// Training (Fit, "neuropil train --model optic-lobe"): the optic lobe
// (opticlobe.Trainable, a model.Framed) is integrated by package train
// (train.Trajectory, one euler step per frame: train.Solve.Frames) from
// the steady state after grey; Task, a train.Loss, decodes the states
// after each frame with Decoder (flyvis's DecoderGAVP) and takes flyvis's
// l2norm loss against the true flow; ActivityPenalty is flyvis's activity
// penalty, differentiated in a second backward pass of the same
// trajectory. Decoder images are [frames][batch] (flyvis's are
// [samples][frames]; only the order of dropout draws depends on it).
// The decoder's hexagonal convolutions run on zero-bordered copies of the
// maps, a tap one flat offset (decoder_conv.go), with float32 kernels in
// AVX2 assembly where the CPU has them (decoder_amd64.s) and plain Go
// twins that the noasm tag selects, held equal by tests within float32
// rounding.
//
// Speed: BenchFit ("neuropil bench --train --model optic-lobe") times
// training steps as Fit takes them, with the split into data, forward,
// backward and update; bench/flyvis_train.py times the same iteration in
// PyTorch beside it.
package opticflow
