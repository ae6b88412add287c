"""Neural networks from the first unit up: the perceptron, the MLP, and how to initialise them.

``mlp`` holds the perceptron and its learning rule in plain numpy (so every mistake-driven update
can be read and counted), a multi-layer perceptron classifier in PyTorch with a small training
function, the toy 2-D datasets that tell linear and non-linear models apart (two spirals, moons,
XOR) and a picture of a classifier's decision boundary. ``init`` implements the classic weight
initialisation schemes from their variance formulas and a study that pushes a batch through a deep
stack of layers to show which schemes keep activations and gradients at a usable scale.
"""
