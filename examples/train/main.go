// Command train fits the MNIST classifier on the built-in connectome for
// one short epoch, what "neuropil train --train-limit 2000 --test-limit 500"
// does without its checkpoints and files.
//
//	go run ./examples/train
package main

import (
	"fmt"
	"log"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/mnist"
	"github.com/neuropil/neuropil/train"
)

func main() {
	trainSet, err := train.LoadMNIST("", mnist.Train, 2000, 784) // "": the GoMNIST module's files
	if err != nil {
		log.Fatal(err)
	}
	testSet, err := train.LoadMNIST("", mnist.Test, 500, 784)
	if err != nil {
		log.Fatal(err)
	}
	s := train.Settings{Epochs: 1, Batch: 8, Nonlinearity: "tanh", Hidden: 128, Dropout: 0.1, Tau: 1, TauFloor: 0.01,
		Optimizer: "adamw", LR: 1e-3, Schedule: "cosine", Clip: 1, Solver: "euler", Steps: 20, T1: 1, Loss: "last"}
	m, err := s.NewModel(connectome.Default(), "the built-in connectome")
	if err != nil {
		log.Fatal(err)
	}
	opt, err := s.NewOptimizer(m, trainSet.Len())
	if err != nil {
		log.Fatal(err)
	}
	solve, err := s.Solve()
	if err != nil {
		log.Fatal(err)
	}
	var st train.State
	rc := train.RunConfig{Epochs: 1, Batch: s.Batch, Solve: solve,
		OnEpoch: func(e train.Epoch, _ *train.State) error {
			fmt.Printf("epoch %d: test accuracy %.3f\n", e.Epoch, e.TestAccuracy)
			return nil
		}}
	if err := train.Fit(m, opt, &st, trainSet, testSet, rc); err != nil {
		log.Fatal(err)
	}
}
