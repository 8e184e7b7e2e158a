package model

// RNN is bioplnn's discrete ConnectomeRNN: the network of an ODERNN
// stepped once per input frame,
//
//	h_k = (1/tau)·phi(W_ih x_k + W_hh h_{k−1} + b) + (1 − 1/tau)·h_{k−1}
//
// It is a Discrete model only (not an ODE), so that a runner steps it
// rather than integrating it. It must be closed after use.
type RNN struct{ m *ODERNN }

// NewRNN prepares the discrete RNN of cfg for the given batch size, with
// the errors and panics of New.
func NewRNN(cfg Config, batch int) (*RNN, error) {
	m, err := New(cfg, batch)
	if err != nil {
		return nil, err
	}
	return &RNN{m: m}, nil
}

// Dim returns the number of neurons.
func (r *RNN) Dim() int { return r.m.Dim() }

// Batch returns the batch size.
func (r *RNN) Batch() int { return r.m.Batch() }

// Inputs returns the input values per sample and frame.
func (r *RNN) Inputs() int { return r.m.Inputs() }

// Close releases the workers of the model's products.
func (r *RNN) Close() { r.m.Close() }

// SetInput sets the frames x, [frames][batch][inputs], as ODERNN.SetInput;
// the RNN takes frame k in its step k whatever [t0, t1].
func (r *RNN) SetInput(x []float32, frames int, t0, t1 float64) error {
	return r.m.SetInput(x, frames, t0, t1)
}

// Breaks returns the frame changes inside the input's interval.
func (r *RNN) Breaks() []float64 { return r.m.Breaks() }

// SetSegment makes sample b read frame k.
func (r *RNN) SetSegment(b, k int) { r.m.SetSegment(b, k) }

// StepFrame writes into hNext the state after frame k from h, both
// [neurons][batch] (ODERNN.StepFrame). It allocates nothing.
func (r *RNN) StepFrame(hNext, h []float32, k int) { r.m.StepFrame(hNext, h, k) }

// ODE returns the network as the ODE model it steps.
func (r *RNN) ODE() *ODERNN { return r.m }

// Interfaces the RNN implements.
var (
	_ Discrete = (*RNN)(nil)
	_ Driven   = (*RNN)(nil)
)
